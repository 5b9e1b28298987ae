"""The pipeline's version. pyproject.toml is its one source; this reads it from the
installed distribution's metadata. It feeds the rules fingerprint (pipeline/state.py),
so a new version re-cleans every page."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("news-pipeline")
    except PackageNotFoundError:  # a source tree never installed (pip install -e . fixes it)
        return "0+unknown"


VERSION = _installed_version()
