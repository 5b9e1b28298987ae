"""One page, for `pipeline clean`: read as a run reads it, cleaned with the run's engine,
given back with the body (and Markdown) and the metadata a run writes.

Site learning needs the other pages of a run, so one page is cleaned without it (as
the first run over a site cleans its pages)."""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.batch import clean_source, rejected
from pipeline.document import Status
from pipeline.options import Options
from pipeline.process import Engine, clean_bytes
from pipeline.sources import Source, safe_id

STDIN = "-"


@dataclass
class Page:
    id: str
    source: str
    status: str
    reason: str | None
    body: str = ""
    markdown: str | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def cleaned(self) -> bool:
        return self.status == Status.CLEANED.value


def _read_stdin(limit: int) -> bytes | None:
    """stdin's bytes, None when over the size limit (read no further than the limit)."""
    data = sys.stdin.buffer.read(limit + 1)
    return None if len(data) > limit else data


def clean_one(path: str, options: Options | None = None, markdown: bool = False,
              engine: Engine | None = None) -> Page:
    """Clean the file at `path` (`-`: stdin). A missing file raises FileNotFoundError; a
    page the pipeline cannot clean comes back with status `rejected` and the reason."""
    engine = engine or Engine.load(options or Options())
    if path == STDIN:
        ident, display = "stdin", STDIN
        data = _read_stdin(engine.options.max_input_bytes)
        if data is None:
            result = rejected(f"larger than the input limit of {engine.options.max_input_bytes:,} bytes")
        else:
            result = clean_bytes(data, "", engine, folder=".")
            result.metadata["sha256"] = hashlib.sha256(data).hexdigest()
            result.metadata["bytes"] = len(data)
    else:
        file = Path(path)
        if file.is_dir():
            raise IsADirectoryError(f"{path}: is a folder; pipeline clean takes one page (pipeline run takes folders)")
        if not file.exists():
            raise FileNotFoundError(f"{path}: no such file")
        ident, display = safe_id(file.name), str(path)
        _, result = clean_source(Source(str(file), display, file.name, ident), engine)
    page = Page(ident, display, result.status.value, result.reason, result.body,
                metadata=dict(result.metadata))
    if markdown and result.status is Status.CLEANED:
        from pipeline.markdown import to_markdown

        page.markdown = to_markdown(result)
    return page


def render_json(page: Page) -> str:
    """One line of JSON: the metadata a run writes to `<id>.json`, the body as `text`
    (and `markdown` when asked), sorted keys; a line of a JSONL corpus file."""
    record = {**page.metadata, "id": page.id, "source": page.source, "status": page.status,
              "reason": page.reason, "text": page.body if page.cleaned else None}
    if page.markdown is not None:
        record["markdown"] = page.markdown
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
