"""The `pipeline` command. Thin: it parses arguments, prepares Prefect's environment and
hands over to the flow (run) or the library (other commands)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from flows.settings import configure_prefect


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (no usage block) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not value >= 0:  # NaN too
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds (0 turns the limit off), got {text}")
    return value


def _folder_problem(path: str) -> str | None:
    """Why `path` cannot be an output folder, or None: something that is not a folder
    is there, or above it."""
    here = Path(path)
    for place in (here, *here.parents):
        if place.exists() or place.is_symlink():
            if place.is_dir():
                return None
            what = "is" if place == here else f"is under {place}, which is"
            return f"{path} {what} not a folder"
    return None


def _knobs() -> argparse.ArgumentParser:
    """The cleaning options every subcommand that cleans takes (a parent parser: one
    definition, the same names and help everywhere; pipeline/knobs.py reads them)."""
    knobs = argparse.ArgumentParser(add_help=False)
    group = knobs.add_argument_group("cleaning options (the same for run, serve, eval, clean, explain)")
    group.add_argument("--rules", action="append", default=[], metavar="FILE",
                       help="your own rule file (phrases, per-site rules; TOML, see docs); repeatable")
    group.add_argument("--config", metavar="FILE", default=None,
                       help="a TOML file of options (key = value, as Options' fields)")
    favor = group.add_mutually_exclusive_group()
    favor.add_argument("--favor-precision", dest="favor", action="store_const", const="precision",
                       help="remove more: less chrome left in, some body lost (pipeline/data/presets.toml)")
    favor.add_argument("--favor-recall", dest="favor", action="store_const", const="recall",
                       help="keep more: less body lost, some chrome left in")
    group.add_argument("--set", dest="set_options", action="append", default=[], metavar="KEY=VALUE",
                       help="set any option, e.g. --set line_model_threshold=0.7; repeatable; wins over the rest")
    return knobs


def _options(args, flags: dict | None = None):
    """Options from the knobs: config file, then preset, then the command's own flags,
    then --set (raises knobs.OptionError, which main reports)."""
    from pipeline.knobs import build_options

    return build_options(args.config, args.favor, {**(flags or {}), "rules": args.rules}, args.set_options)


class _Version(argparse.Action):
    """--version: pipeline/version.py's (pyproject.toml's), read only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        from pipeline.version import VERSION

        print(f"{parser.prog} {VERSION}")  # on stdout, as argparse's own version action
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pipeline", description="Strip site chrome from scraped news pages.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    knobs = _knobs()
    run = commands.add_parser("run", parents=[knobs], help="clean pages into an output folder (a Prefect flow, run locally)")
    run.add_argument("inputs", nargs="*", default=["seeds"],
                     help="files, folders or corpus files (.jsonl[.gz], .warc[.gz], .wet[.gz]); - reads JSONL from stdin "
                          "(default: seeds)")
    run.add_argument("-o", "--out", default="clean", help="output folder (default: clean)")
    run.add_argument("--batch-size", type=_positive_int, default=None, help="pages per Prefect task")
    run.add_argument("--state", default=None,
                     help="state folder for Prefect's database (default: $PIPELINE_STATE_DIR or ~/.cache/news-pipeline)")
    run.add_argument("--follow-symlinks", action="store_true", help="follow symlinks that lead outside the input folders")
    run.add_argument("--doc-time-limit", type=_seconds, default=None, metavar="SECONDS",
                     help="stop and reject a page that takes longer (default 60; 0 turns the limit off)")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.add_argument("--prune", action="store_true",
                     help="withdraw every indexed document whose input this run does not find (default: only "
                          "those gone from under the inputs given)")
    explain = commands.add_parser("explain", parents=[knobs],
                                  help="show every line of one page kept or removed, and why (no Prefect)")
    explain.add_argument("file", help="the page to explain (.txt or .html, optionally .gz)")
    explain.add_argument("--against", metavar="DIR", default=None,
                         help="a run's output folder: report this page's duplicates there")
    explain.add_argument("--json", action="store_true", help="print the explanation as JSON")
    explain.add_argument("--doc-time-limit", type=_seconds, default=None, metavar="SECONDS",
                         help="stop if explaining takes longer (default 60, as for run; 0 turns the limit off)")

    evaluate = commands.add_parser("eval", parents=[knobs],
                                   help="clean pages and score them against gold bodies (no Prefect)")
    evaluate.add_argument("inputs", nargs="+", help="files or folders of pages whose ids have a gold body")
    evaluate.add_argument("--gold", required=True, help="folder of gold bodies <id>.txt (and <id>.json with 'source')")
    evaluate.add_argument("-o", "--out", default="eval-out", help="where cleaned pages and scores go (default: eval-out)")
    evaluate.add_argument("--trafilatura", action="store_true",
                          help="also score trafilatura alone on the HTML inputs, side by side")
    evaluate.add_argument("--worst", type=_positive_int, default=10, help="how many worst pages to list (default: 10)")
    run.add_argument("--wait", action="store_true", help="if another run holds the output folder, wait for it instead of refusing")
    run.add_argument("--workers", type=_positive_int, default=1, help="clean N batches at once, each in its own process (default: 1)")
    run.add_argument("--dask", metavar="ADDRESS", default=None, help="clean batches on an existing Dask cluster (scheduler address)")
    serve = commands.add_parser("serve", parents=[knobs],
                                help="serve the flow as a Prefect deployment on a cron schedule (needs a Prefect server)")
    serve.add_argument("inputs", nargs="*", default=["seeds"], help="files or folders (default: seeds)")
    serve.add_argument("-o", "--out", default="clean", help="output folder (default: clean)")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 * * * *" (hourly)')
    serve.add_argument("--name", default="scheduled", help="deployment name (default: scheduled)")
    serve.add_argument("--batch-size", type=_positive_int, default=None, help="pages per Prefect task")
    serve.add_argument("--follow-symlinks", action="store_true", help="follow symlinks that lead outside the input folders")
    serve.add_argument("--workers", type=_positive_int, default=1, help="clean N batches at once, each in its own process (default: 1)")
    _add_clean(commands, knobs)
    for command in (run, serve):
        _corpus_arguments(command)
    return parser


def _add_clean(commands, knobs) -> None:
    clean = commands.add_parser("clean", parents=[knobs],
                                help="print one page's clean body to stdout (no Prefect; the same cleaning as a run)")
    clean.add_argument("file", metavar="FILE", help="the page (.txt or .html, optionally .gz); - reads stdin")
    clean.add_argument("--format", choices=("text", "markdown"), default="text",
                       help="text: the body as a run writes it (default); markdown: headings and lists kept")
    clean.add_argument("--json", action="store_true",
                       help="print one JSON object: the body as 'text' (and 'markdown' with --format markdown) "
                            "and the metadata a run writes")


def _corpus_arguments(command) -> None:
    """Corpus files in and out (pipeline/corpus.py, docs/inputs-outputs.md)."""
    group = command.add_argument_group("corpus files")
    group.add_argument("--format", action="append", default=[], choices=["jsonl", "parquet"], dest="formats",
                       help="also write the clean pages as one file: documents.jsonl or documents.parquet; repeatable")
    for name, default in (("text", "text"), ("html", "html"), ("url", "url"), ("id", "id")):
        group.add_argument(f"--{name}-field", default=None, metavar="NAME",
                           help=f"JSONL field holding the page's {name if name != 'text' else 'text dump'} "
                                f"(default: {default}; a.b reaches into an object)")


def _run_overrides(args) -> dict:
    """The options `run` and `serve` take from their own flags (serve has no
    --doc-time-limit or --prune)."""
    overrides = {}
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    if args.follow_symlinks:
        overrides["follow_symlinks"] = True
    if getattr(args, "doc_time_limit", None) is not None:
        overrides["doc_time_limit"] = args.doc_time_limit
    if args.workers != 1:
        overrides["workers"] = args.workers
    if getattr(args, "prune", False):
        overrides["prune"] = True
    overrides.update(_corpus_overrides(args))
    return overrides


def _corpus_overrides(args) -> dict:
    overrides = {f"{name}_field": getattr(args, f"{name}_field") for name in ("text", "html", "url", "id")
                 if getattr(args, f"{name}_field") is not None}
    if args.formats:
        overrides["formats"] = args.formats
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from pipeline.knobs import OptionError

    out = getattr(args, "out", None)
    problem = out is not None and _folder_problem(out)
    if problem:
        print(f"pipeline {args.command}: error: argument --out: {problem}", file=sys.stderr)
        return 2
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "clean":
            return _clean(args)
    except OptionError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    # `pipeline` alone: a request for help, answered on stdout.
    parser.print_help()
    return 0


def _clean(args) -> int:
    """One page to stdout through the library (no Prefect): the file read as a run reads
    it (size limit, .gz, rejections), cleaned with the same engine."""
    from pipeline.single import clean_one, render_json

    options = _options(args)
    from pipeline.lexicon import LexiconError

    try:
        page = clean_one(args.file, options, markdown=args.format == "markdown")
    except (LexiconError, FileNotFoundError, IsADirectoryError) as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout.buffer
    if args.json:
        out.write(render_json(page).encode("utf-8"))
    elif page.cleaned:
        out.write((page.markdown if args.format == "markdown" else page.body).encode("utf-8"))
    out.flush()
    if not page.cleaned:
        print(f"pipeline: {args.file}: {page.status}: {page.reason}", file=sys.stderr)
        return 1
    return 0


def _explain(args) -> int:
    """Library only: explaining one page needs no Prefect (and no server start-up)."""
    from pipeline.explain import explain_file, render
    from pipeline.lexicon import LexiconError
    from pipeline.process import Engine

    from flows.stopping import OverTime, time_limit

    if not Path(args.file).is_file():
        print(f"pipeline: not a file: {args.file}", file=sys.stderr)
        return 2
    try:
        options = _options(args)
        limit = options.doc_time_limit if args.doc_time_limit is None else args.doc_time_limit
        engine = Engine.load(options)
        from langdetect import detector_factory

        detector_factory.init_factory()  # as in a run's workers: loaded before the page's clock runs
        with time_limit(limit, f"explaining {args.file}"):
            explanation = explain_file(args.file, engine, args.against)
    except (LexiconError, ValueError) as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    except OverTime as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(explanation, ensure_ascii=False, indent=1, sort_keys=True))
    else:
        from rich.console import Console

        render(explanation, Console())
    return 0


def _eval(args) -> int:
    from pipeline.evaluate_run import evaluate

    try:
        report = evaluate(args.inputs, Path(args.gold), Path(args.out), with_trafilatura=args.trafilatura,
                          options=_options(args))
    except FileNotFoundError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    print(report.table)
    if report.baseline:
        print(f"\nbaseline: {report.baseline}")
    if report.meta_table:
        print("\n" + report.meta_table)
    print(f"\nworst pages ({report.scores_path} has all, worst first):")
    for row in report.worst[: args.worst]:
        print(f"  {row['tok_f1']:.3f}  P {row['tok_p']:.3f} R {row['tok_r']:.3f}  {row['id']}")
    return 0


def _run(args) -> int:
    # Before Prefect is imported: it reads its home (the database's folder) at import.
    configure_prefect(Path(args.state) if args.state else None)
    from flows.stopping import StopOnSignals

    held: dict = {}
    with StopOnSignals() as stop:
        try:
            code = _run_flow(args, held)
        except BaseException:
            if stop.signum is None:
                raise
        finally:
            if held.get("server") is not None:
                held["server"].stop()
        if stop.signum is None:
            return code
    return _stopped(args, stop)


def _stopped(args, stop) -> int:
    """One line on what a signal left, then exit at once with 128 + the signal's number
    (the workers and Prefect's server are already stopped; threads are not waited for)."""
    import signal

    progress = getattr(sys.modules.get("flows.clean"), "PROGRESS", {})
    if progress.get("to_clean") is not None:
        kept = (f"{progress['done']} of {progress['to_clean']} documents to clean were cleaned and are kept in "
                f"{args.out} (its index.jsonl is updated when a run finishes)")
    else:
        kept = f"stopped before cleaning began, {args.out} is unchanged"
    print(f"pipeline: stopped by {signal.Signals(stop.signum).name}: {kept}; run the same command again to go on",
          file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(stop.exit_code)


def _run_flow(args, held: dict) -> int:
    from pipeline.sources import InputError, check_inputs, check_output

    options = _options(args, _run_overrides(args))
    from pipeline.lexicon import LexiconError
    from pipeline.process import Engine

    try:
        Engine.load(options)  # a bad rule file stops the run before it starts, naming the file
    except LexiconError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    try:
        check_inputs(args.inputs)  # fail fast on a missing input (listing waits for the run)
        check_output(args.inputs, args.out)  # an --out that is an input folder or a file
    except InputError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    from pipeline.state import lock_holder

    holder = lock_holder(args.out)  # refuse before Prefect's slow start-up
    if holder and not args.wait:
        print(f"pipeline: another run is writing to {args.out} ({holder}); wait for it to finish, "
              f"or pass --wait to queue behind it", file=sys.stderr)
        return 3
    from flows.logs import CONSOLE as console, event, interactive as on_terminal, show_events

    interactive = on_terminal()
    if not interactive:
        show_events()
    started = time.monotonic()
    with console.status("starting Prefect (local temporary server)...", spinner="dots") if interactive else _nothing():
        from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.clean import clean_flow

        # The flow heartbeat costs about a second per run and tells a local run nothing.
        updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        if not PREFECT_API_URL.value():
            # Our own temporary server, on a port held from the moment it is chosen
            # (Prefect's own can end up shared by runs started together: flows/server.py).
            from flows.server import TemporaryServer

            held["server"] = server = TemporaryServer()
            server.start()
            event("prefect_server", api_url=server.api_url, pid=server.process.pid)
            updates[PREFECT_API_URL] = server.api_url
            os.environ["PREFECT_API_URL"] = server.api_url  # inherited by Dask's tasks (--dask)
        flow = _with_runner(clean_flow, args)
    from pipeline.state import RunLocked
    from pipeline.write import OutputError

    try:
        with temporary_settings(updates=updates):
            summary = flow(inputs=[str(i) for i in args.inputs], out=str(args.out),
                           options=options.to_dict(), progress=interactive, wait=args.wait)
    except RunLocked as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 3
    except OutputError as exc:
        # Disk full and the like: the run stops; what it wrote is whole (atomic writes).
        print(f"pipeline: run stopped: {exc}\nFiles already written are complete; free space "
              "(or choose another --out) and run again.", file=sys.stderr)
        return 1
    summary["seconds_total"] = round(time.monotonic() - started, 3)
    if args.json:
        print(json.dumps(summary, indent=1, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0


def _with_runner(clean_flow, args):
    """The flow with the task runner asked for. Without --dask the default thread runner
    feeds `--workers` cleaning processes. With --dask, batches go to the cluster; its
    workers reach the Prefect server in PREFECT_API_URL (the run's own temporary server
    unless the user has one)."""
    if not args.dask:
        return clean_flow
    from prefect_dask import DaskTaskRunner

    return clean_flow.with_options(task_runner=DaskTaskRunner(address=args.dask))


def _serve(args) -> int:
    """Serve the flow as a deployment with a cron schedule. Schedules need a real Prefect
    server (an ephemeral one never runs them), so PREFECT_API_URL must point at one.
    Everything that can be checked now is, each failure one line and exit code 2: the
    options, the inputs, the schedule and the server."""
    configure_prefect()
    from pipeline.sources import InputError, check_inputs

    options = _options(args, _run_overrides(args))
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL

    try:
        CronSchedule(cron=args.cron)
    except ValueError:
        print(f"pipeline serve: error: argument --cron: not a valid cron schedule: {args.cron!r} "
              "(five fields: minute hour day-of-month month day-of-week, e.g. \"0 * * * *\")", file=sys.stderr)
        return 2
    api = PREFECT_API_URL.value()
    if not api:
        print("pipeline: serve needs a Prefect server. Start one, e.g.\n"
              "  prefect server start --host 127.0.0.1 --port 4200 --no-ui --analytics-off\n"
              "then set PREFECT_API_URL=http://127.0.0.1:4200/api and run this again.", file=sys.stderr)
        return 2
    try:
        check_inputs(args.inputs)
    except InputError as exc:
        print(f"pipeline serve: error: {exc}", file=sys.stderr)
        return 2
    import httpx

    try:
        httpx.get(f"{api.rstrip('/')}/health", timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        cause = " ".join(str(exc).split()) or type(exc).__name__
        print(f"pipeline serve: error: no Prefect server answers at PREFECT_API_URL={api} ({cause}); "
              "start one or correct the address", file=sys.stderr)
        return 2
    from flows.clean import clean_flow

    # Absolute paths: runs start later, in their own processes.
    if "-" in args.inputs:
        print("pipeline: serve cannot read stdin (its runs start later); give files or folders", file=sys.stderr)
        return 2
    parameters = {"inputs": [str(Path(i).resolve()) for i in args.inputs], "out": str(Path(args.out).resolve()),
                  "options": options.to_dict(), "wait": True}
    print(f"serving deployment clean-news/{args.name} on schedule {args.cron!r}; Ctrl-C or SIGTERM stops it",
          file=sys.stderr)
    clean_flow.serve(name=args.name, cron=args.cron, parameters=parameters, print_starting_message=False)
    return 0


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def format_summary(summary: dict) -> str:
    lines = [*summary.get("warnings", []),
        f"documents in: {summary['documents']}  cleaned: {summary['cleaned']}  "
        f"duplicates: {summary['duplicates']}  rejected: {summary['rejected']}",
    ]
    for reason, count in summary["rejected_reasons"].items():
        lines.append(f"  rejected x{count}: {reason}")
    if "skipped" in summary:
        why = ", ".join(f"{n} {r}" for r, n in summary.get("reprocess_reasons", {}).items())
        lines.append(f"cleaned this run: {summary['processed']}{f' ({why})' if why else ''}  "
                     f"skipped as unchanged: {summary['skipped']}  withdrawn (input gone): {summary['withdrawn']}"
                     + ("  (finished an interrupted run)" if summary.get("recovered") else ""))
    if summary["removed_by_rule"]:
        lines.append("lines removed per rule:")
        for rule, count in summary["removed_by_rule"].items():
            lines.append(f"  {count:6d}  {rule}")
    lines.append(f"time: {summary['seconds']:.2f} s cleaning, {summary.get('seconds_total', summary['seconds']):.2f} s in all "
                 f"(Prefect start-up included); output in {summary['out']}/")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
