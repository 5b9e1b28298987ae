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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipeline", description="Strip site chrome from scraped news pages.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="clean pages into an output folder (a Prefect flow, run locally)")
    run.add_argument("inputs", nargs="*", default=["seeds"], help="files or folders (default: seeds)")
    run.add_argument("--out", default="clean", help="output folder (default: clean)")
    run.add_argument("--batch-size", type=int, default=None, help="pages per Prefect task")
    run.add_argument("--state", default=None, help="state folder for Prefect's database (default: ~/.cache/news-pipeline)")
    run.add_argument("--follow-symlinks", action="store_true", help="follow symlinks that lead outside the input folders")
    run.add_argument("--doc-time-limit", type=float, default=None, metavar="SECONDS",
                     help="stop and reject a page that takes longer (default 60; 0 turns the limit off)")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.add_argument("--rules", action="append", default=[], metavar="FILE",
                     help="your own rule file (phrases, per-site rules; TOML, see README); repeatable")
    explain = commands.add_parser("explain", help="show every line of one page kept or removed, and why (no Prefect)")
    explain.add_argument("file", help="the page to explain (.txt or .html, optionally .gz)")
    explain.add_argument("--rules", action="append", default=[], metavar="FILE",
                         help="your own rule file, as for run; repeatable")
    explain.add_argument("--against", metavar="DIR", default=None,
                         help="a run's output folder: report this page's duplicates there")
    explain.add_argument("--json", action="store_true", help="print the explanation as JSON")

    evaluate = commands.add_parser("eval", help="clean pages and score them against gold bodies (no Prefect)")
    evaluate.add_argument("inputs", nargs="+", help="files or folders of pages whose ids have a gold body")
    evaluate.add_argument("--gold", required=True, help="folder of gold bodies <id>.txt (and <id>.json with 'source')")
    evaluate.add_argument("--out", default="eval-out", help="where cleaned pages and scores go (default: eval-out)")
    evaluate.add_argument("--trafilatura", action="store_true",
                          help="also score trafilatura alone on the HTML inputs, side by side")
    evaluate.add_argument("--worst", type=int, default=10, help="how many worst pages to list (default: 10)")
    run.add_argument("--wait", action="store_true", help="if another run holds the output folder, wait for it instead of refusing")
    run.add_argument("--workers", type=int, default=1, help="clean N batches at once, each in its own process (default: 1)")
    run.add_argument("--dask", metavar="ADDRESS", default=None, help="clean batches on an existing Dask cluster (scheduler address)")
    serve = commands.add_parser("serve", help="serve the flow as a Prefect deployment on a cron schedule (needs a Prefect server)")
    serve.add_argument("inputs", nargs="*", default=["seeds"], help="files or folders (default: seeds)")
    serve.add_argument("--out", default="clean", help="output folder (default: clean)")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 * * * *" (hourly)')
    serve.add_argument("--name", default="scheduled", help="deployment name (default: scheduled)")
    serve.add_argument("--batch-size", type=int, default=None, help="pages per Prefect task")
    serve.add_argument("--follow-symlinks", action="store_true", help="follow symlinks that lead outside the input folders")
    serve.add_argument("--workers", type=int, default=1, help="clean N batches at once, each in its own process (default: 1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "explain":
        return _explain(args)
    if args.command == "eval":
        return _eval(args)
    if args.command == "serve":
        return _serve(args)
    return 2


def _explain(args) -> int:
    """Library only: explaining one page needs no Prefect (and no server start-up)."""
    from pipeline.explain import explain_file, render
    from pipeline.lexicon import LexiconError
    from pipeline.options import Options
    from pipeline.process import Engine

    if not Path(args.file).is_file():
        print(f"pipeline: not a file: {args.file}", file=sys.stderr)
        return 2
    try:
        engine = Engine.load(Options(rules=tuple(args.rules)))
        explanation = explain_file(args.file, engine, args.against)
    except (LexiconError, ValueError) as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(explanation, ensure_ascii=False, indent=1, sort_keys=True))
    else:
        from rich.console import Console

        render(explanation, Console())
    return 0


def _eval(args) -> int:
    from pipeline.evaluate_run import evaluate

    try:
        report = evaluate(args.inputs, Path(args.gold), Path(args.out), with_trafilatura=args.trafilatura)
    except FileNotFoundError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    print(report.table)
    if report.meta_table:
        print("\n" + report.meta_table)
    print(f"\nworst pages ({report.scores_path} has all, worst first):")
    for row in report.worst[: args.worst]:
        print(f"  {row['tok_f1']:.3f}  P {row['tok_p']:.3f} R {row['tok_r']:.3f}  {row['id']}")
    return 0


def _run(args) -> int:
    if args.state:
        os.environ["PIPELINE_STATE_DIR"] = str(Path(args.state).resolve())
    configure_prefect()
    from pipeline.options import Options
    from pipeline.sources import InputError, discover

    overrides = {}
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    if args.follow_symlinks:
        overrides["follow_symlinks"] = True
    if args.rules:
        overrides["rules"] = args.rules
    if args.doc_time_limit is not None:
        overrides["doc_time_limit"] = args.doc_time_limit
    if args.workers != 1:
        overrides["workers"] = args.workers
    options = Options.from_dict(overrides)
    from pipeline.lexicon import LexiconError
    from pipeline.process import Engine

    try:
        Engine.load(options)  # a bad rule file stops the run before it starts, naming the file
    except LexiconError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    try:
        discover(args.inputs, options.follow_symlinks)  # fail fast on a missing input
    except InputError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        return 2
    from pipeline.state import lock_holder

    holder = lock_holder(args.out)  # refuse before Prefect's slow start-up
    if holder and not args.wait:
        print(f"pipeline: another run is writing to {args.out} ({holder}); wait for it to finish, "
              f"or pass --wait to queue behind it", file=sys.stderr)
        return 3
    from flows.logs import CONSOLE as console, interactive as on_terminal, show_events

    interactive = on_terminal()
    if not interactive:
        show_events()
    started = time.monotonic()
    with console.status("starting Prefect (local temporary server)...", spinner="dots") if interactive else _nothing():
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.clean import clean_flow
        flow, server = _with_runner(clean_flow, args)
    from pipeline.state import RunLocked

    # The flow heartbeat costs about a second per run and tells a local run nothing.
    from pipeline.write import OutputError

    try:
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
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
    finally:
        if server is not None:
            server.stop()
    summary["seconds_total"] = round(time.monotonic() - started, 3)
    if args.json:
        print(json.dumps(summary, indent=1, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0


def _with_runner(clean_flow, args):
    """The flow with the task runner asked for. Without --dask the default thread runner
    feeds `--workers` cleaning processes. Dask workers each start their own temporary
    Prefect server unless one is shared: start one here and point PREFECT_API_URL at it
    (unless the user already has a server)."""
    if not args.dask:
        return clean_flow, None
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        os.environ["PREFECT_API_URL"] = server.api_url  # inherited by the Dask client's tasks
    from prefect_dask import DaskTaskRunner

    return clean_flow.with_options(task_runner=DaskTaskRunner(address=args.dask)), server


def _serve(args) -> int:
    """Serve the flow as a deployment with a cron schedule. Schedules need a real Prefect
    server (an ephemeral one never runs them), so PREFECT_API_URL must point at one."""
    configure_prefect()
    if not os.environ.get("PREFECT_API_URL"):
        print("pipeline: serve needs a Prefect server. Start one, e.g.\n"
              "  prefect server start --host 127.0.0.1 --port 4200 --no-ui --analytics-off\n"
              "then set PREFECT_API_URL=http://127.0.0.1:4200/api and run this again.", file=sys.stderr)
        return 2
    from pipeline.options import Options

    overrides = {}
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    if args.follow_symlinks:
        overrides["follow_symlinks"] = True
    if args.workers != 1:
        overrides["workers"] = args.workers
    options = Options.from_dict(overrides)
    from flows.clean import clean_flow

    # Absolute paths: runs start later, in their own processes.
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
    lines = [
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
