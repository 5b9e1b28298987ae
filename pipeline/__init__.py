"""Boilerplate stripping for scraped news pages.

A document flows through small steps, each its own module:
decode -> normalise -> (extract, for HTML) -> language -> classify lines
-> in-page duplicates -> metadata -> cross-document duplicates -> write.

Library use::

    from pipeline import clean_bytes, run
    result = clean_bytes(data, name="page.txt")
    summary = run(["seeds"], "clean")
"""
from pipeline.options import Options
from pipeline.document import CleanResult, LineDecision, Status
from pipeline.process import Engine, clean_bytes, clean_text
from pipeline.runner import run
from pipeline.version import VERSION


__all__ = ["Engine", "Options", "CleanResult", "LineDecision", "Status", "clean_bytes", "clean_text", "run"]
__version__ = VERSION  # pyproject.toml's, read from the installed package
