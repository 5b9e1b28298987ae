"""Which site a page belongs to, for per-site rules and per-site figures.

The site of a page is its URL's host when the page says it (HTML metadata), else the
folder the input was found in (as the user gave it). Per-site rule files select pages
by host (the host or any subdomain of it) or by folder (the last components of the
page's folder)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit


def host_of(url: str | None) -> str | None:
    """The URL's host, lower-case, without a leading 'www.'; None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def folder_of(display_path: str | None) -> str:
    """The folder an input was found in, as a POSIX path ('.' for the current folder)."""
    if not display_path:
        return "."
    return PurePosixPath(display_path.replace("\\", "/")).parent.as_posix()


def page_site(url: str | None, folder: str | None) -> str | None:
    return host_of(url) or folder or None


@dataclass(frozen=True)
class SiteSelector:
    """The pages a [[sites]] entry applies to."""

    hosts: tuple[str, ...] = ()
    folders: tuple[tuple[str, ...], ...] = ()

    def matches(self, host: str | None, folder: str | None) -> bool:
        if host:
            for wanted in self.hosts:
                if host == wanted or host.endswith("." + wanted):
                    return True
        if folder:
            parts = tuple(p for p in PurePosixPath(folder).parts if p not in ("/", "."))
            for wanted in self.folders:
                if wanted and parts[-len(wanted):] == wanted:
                    return True
        return False

    @classmethod
    def build(cls, hosts: list[str], folders: list[str]) -> "SiteSelector":
        clean_hosts = []
        for host in hosts:
            host = host.strip().lower().rstrip(".")
            clean_hosts.append(host[4:] if host.startswith("www.") else host)
        clean_folders = tuple(tuple(p for p in PurePosixPath(f.strip().replace("\\", "/")).parts if p not in ("/", "."))
                              for f in folders)
        return cls(tuple(clean_hosts), clean_folders)
