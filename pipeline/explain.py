"""Explain one page: every line kept or removed with its rule, reason and rule file,
the metadata found, and the duplicates matched (in the page, and optionally across a
finished run's output folder). `explain_file` builds a plain dict (what `--json`
prints); `render` prints it for a person, in colour on a terminal, plain when piped."""
from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import replace
from pathlib import Path

from pipeline.batch import clean_source  # the run's own reading (size limit, .gz, rejections)
from pipeline.dedup_corpus import body_hash, fingerprint, signature
from pipeline.document import CleanResult, Status
from pipeline.outdir import OutDir, meta_name
from pipeline.process import Engine
from pipeline.sources import Source, safe_id

METADATA_KEYS = ("title", "description", "author", "published", "published_time_local", "published_from", "page_date", "site_name",
                 "site", "url", "language", "language_confidence", "script", "format", "extractor", "encoding",
                 "words", "paragraphs", "lines_total", "bytes", "sha256")


def explain_result(result: CleanResult, name: str = "") -> dict:
    """The explanation of a cleaned (or rejected) page, from the library's result."""
    decisions = {d.line: d for d in result.decisions}
    lines = []
    for number, text in enumerate(result.lines, 1):
        decision = decisions.get(number)
        if decision is None:
            lines.append({"line": number, "text": text, "status": "blank" if not text.strip() else "undecided"})
            continue
        entry = {"line": number, "text": text, "status": "kept" if decision.keep else "removed",
                 "rule": decision.rule, "reason": decision.reason}
        if decision.source:
            entry["source"] = decision.source
        lines.append(entry)
    removed = [d for d in result.decisions if not d.keep]
    sources = {d.rule: d.source for d in result.decisions if d.source}
    return {
        "file": name,
        "status": result.status.value,
        "reason": result.reason,
        "metadata": {k: result.metadata.get(k) for k in METADATA_KEYS if k in result.metadata},
        "lines": lines,
        "removed_by_rule": dict(sorted(Counter(d.rule for d in removed).items(), key=lambda kv: (-kv[1], kv[0]))),
        "rule_sources": dict(sorted(sources.items())),
        "duplicates": {
            "in_page": [{"line": d.line, "rule": d.rule, "reason": d.reason, "text": d.text}
                        for d in removed if d.rule.startswith("dup.")],
            "across_run": None,
        },
    }


def explain_file(path: str | Path, engine: Engine | None = None, against: str | Path | None = None) -> dict:
    """Clean one file exactly as a run would, and explain every decision."""
    engine = engine or Engine.load()
    if not engine.explain_kept:  # the same engine (rules, memo), with kept lines' signals
        engine = replace(engine, explain_kept=True)
    path = Path(path)
    source = Source(str(path), str(path), path.name, safe_id(path.name))
    _, result = clean_source(source, engine)
    explanation = explain_result(result, str(path))
    if against is not None:
        explanation["duplicates"]["across_run"] = match_run(result, against, engine)
    return explanation


def _read_index(folder: Path) -> list[dict]:
    """The rows of a run's index.jsonl; ValueError, naming the file and line, for a file
    that is not one (another tool's JSON lines, a truncated line)."""
    index = OutDir(folder).index
    rows = []
    try:
        for number, line in enumerate(index.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not (isinstance(row, dict) and isinstance(row.get("id"), str) and isinstance(row.get("status"), str)
                    and isinstance(row.get("outputs", {}), dict)
                    and all(isinstance(v, str) for v in row.get("outputs", {}).values())):
                raise ValueError(f"line {number} is not a row of a pipeline run's index (no 'id' and 'status')")
            rows.append(row)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{index}: cannot read the run's index: {exc}") from None
    return rows


def match_run(result: CleanResult, folder: str | Path, engine: Engine) -> dict:
    """Duplicates of this page in a finished run's output folder.

    If the run holds this very file (same sha256), its recorded status and duplicates
    are reported. Otherwise the page's body is compared with every cleaned body in the
    folder: exact (same words) and near (MinHash estimate of word-shingle Jaccard, the
    same measure and threshold as the run)."""
    folder = Path(folder)
    options = engine.options
    rows = _read_index(folder)
    digest = result.metadata.get("sha256")
    for row in rows:
        meta_path = folder / row.get("outputs", {}).get("metadata", meta_name(row["id"]))
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if digest and meta.get("sha256") == digest:
            return {"folder": str(folder), "method": "recorded", "id": row["id"], "status": meta.get("status"),
                    "reason": meta.get("reason"), "matches": meta.get("duplicates", [])}
    if result.status is not Status.CLEANED:
        return {"folder": str(folder), "method": "compared", "id": None, "status": None, "reason": None,
                "matches": [], "note": "this page has no body to compare"}
    own_hash, own_sig = fingerprint(result.body, options.shingle_words, options.minhash_permutations)
    matches = []
    for row in rows:
        if row.get("status") != Status.CLEANED.value or "body" not in row.get("outputs", {}):
            continue
        try:
            body = (folder / row["outputs"]["body"]).read_text("utf-8")
        except OSError:
            continue
        if body_hash(body) == own_hash:
            similarity = 1.0
        else:
            other = signature(body, options.shingle_words, options.minhash_permutations)
            # MinHash's Jaccard estimate: the share of equal signature slots (what datasketch computes).
            similarity = round(sum(a == b for a, b in zip(own_sig, other)) / len(own_sig), 3)
        if similarity >= options.near_duplicate_threshold:
            matches.append({"id": row["id"], "similarity": similarity})
    matches.sort(key=lambda m: (-m["similarity"], m["id"]))
    return {"folder": str(folder), "method": "compared", "id": None, "status": None, "reason": None, "matches": matches}


def render(explanation: dict, console) -> None:
    """Print an explanation for a person. `console` is a rich Console: it colours on a
    terminal and prints plain text when piped. Page text is printed as rich Text, never
    as markup, so a page cannot inject styling."""
    from rich.text import Text

    def out(*parts):
        text = Text()
        for part in parts:
            if isinstance(part, tuple):
                text.append(*part)
            else:
                text.append(part)
        console.print(text, soft_wrap=True, highlight=False)

    meta = explanation["metadata"]
    out(("explain ", "bold"), (explanation["file"], "bold"))
    status = explanation["status"]
    out("status: ", (status, {"cleaned": "green", "rejected": "red"}.get(status, "yellow")),
        f" ({explanation['reason']})" if explanation["reason"] else "")
    for key in METADATA_KEYS:
        if meta.get(key) not in (None, "", []) and key not in ("sha256",):
            out(f"{key}: ", (str(meta[key]), "cyan"))
    out("")
    width = len(str(len(explanation["lines"])))
    indent = " " * (width + 6)  # under the text, past "NN keep "
    columns = max(40, (console.width or 80) - len(indent))

    def wrapped(head, text: str, style: str = "") -> None:
        """The line's text wrapped under its own indent, so a long paragraph reads as one
        block beside its number, not from the screen's left edge."""
        pieces = textwrap.wrap(text, columns, break_long_words=True, break_on_hyphens=False) or [""]
        out(*head, (pieces[0], style))
        for piece in pieces[1:]:
            out(indent, (piece, style))

    for entry in explanation["lines"]:
        number = str(entry["line"]).rjust(width)
        if entry["status"] == "blank":
            continue
        if entry["status"] == "kept":
            wrapped([(f"{number} ", "dim"), ("keep ", "green")], entry["text"])
            # Why it was kept: the rule, and where the line model decided, its probability and signals.
            wrapped([(indent[:-3] + "+ ", "dim")], f"{entry['rule']}: {entry['reason']}", "green dim")
        elif entry["status"] == "removed":
            wrapped([(f"{number} ", "dim"), ("DROP ", "bold red")], entry["text"], "strike dim")
            label = f"{entry['rule']}: {entry['reason']}"
            if entry.get("source") and f"[{entry['source']}]" not in entry["reason"]:
                label += f" [{entry['source']}]"
            wrapped([(indent[:-3] + "-> ", "yellow")], label, "yellow")
        else:
            wrapped([(f"{number} ", "dim"), ("?    ", "magenta")], entry["text"])
    out("")
    if explanation["removed_by_rule"]:
        out(("lines removed per rule:", "bold"))
        for rule, count in explanation["removed_by_rule"].items():
            origin = explanation["rule_sources"].get(rule)
            out(f"  {count:4d}  {rule}", (f"  from {origin}", "dim") if origin else "")
    dups = explanation["duplicates"]
    out(("duplicates in the page: ", "bold"), str(len(dups["in_page"])))
    for dup in dups["in_page"]:
        out(f"  line {dup['line']} {dup['rule']}: {dup['reason']}")
    across = dups["across_run"]
    if across is not None:
        if across["method"] == "recorded":
            out(("in the run ", "bold"), across["folder"], f": this file is {across['id']} ({across['status']}",
                f": {across['reason']})" if across["reason"] else ")")
        else:
            out(("compared with the cleaned bodies in ", "bold"), across["folder"],
                f": {across.get('note') or str(len(across['matches'])) + ' duplicate(s)'}")
        for match in across["matches"]:
            canonical = f", canonical {match['canonical']}" if "canonical" in match else ""
            out(f"  {match['id']} similarity {match['similarity']}{canonical}")
