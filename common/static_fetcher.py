"""A WeasyPrint URL fetcher that serves the app's own static files and nothing else.

Printed documents carry many people's words; a URL in them must never reach the network or
the disk outside the static files (no http(s), file, data or ftp, no path tricks)."""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base URL the template's static references resolve against. It names no real host
# (.invalid is reserved); the fetcher maps it to the staticfiles finders and nothing else.
STATIC_BASE_URL = "https://static.rehab-portal.invalid/static/"
# Types a print layout may pull in: its stylesheet, images and fonts. No HTML, no SVG with
# its own references.
ALLOWED_SUFFIXES = frozenset({".css", ".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2",
                              ".ttf", ".otf"})



class FetchRefused(ValueError):
    """A resource outside the app's static files; WeasyPrint logs it and renders without it."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files found by the staticfiles finders under STATIC_BASE_URL; refuses the rest.

    No scheme is opened: not http(s), file, data, ftp. Paths are decoded once, then any
    `..`, `.`, empty or backslash segment, query or fragment is refused before the finders
    see it, and the file the finders return must lie under one of their roots.
    """

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):
        path = static_path(url)
        found = finders.find(path)
        if not found or isinstance(found, list):
            raise FetchRefused(f"not a static file: {path}")
        resolved = Path(found).resolve()
        if not resolved.is_file() or not any(resolved.is_relative_to(root)
                                             for root in _static_roots()):
            raise FetchRefused(f"outside the static files: {path}")
        content_type = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, resolved.read_bytes(), {"Content-Type": content_type})


def static_path(url: str) -> str:
    """The static file a URL names, or FetchRefused."""
    if not isinstance(url, str) or not url.startswith(STATIC_BASE_URL):
        raise FetchRefused(f"only the app's static files are fetched, not {str(url)[:80]!r}")
    parts = urlsplit(url)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise FetchRefused("static URLs take no query or fragment")
    raw = url[len(STATIC_BASE_URL):]
    path = unquote(raw)
    segments = path.split("/")
    if (not path or "\\" in path or "\x00" in path or "%" in path
            or any(s in ("", ".", "..") for s in segments)
            or posixpath.normpath(path) != path):
        raise FetchRefused(f"not a plain static path: {raw[:80]!r}")
    if posixpath.splitext(path)[1].lower() not in ALLOWED_SUFFIXES:
        raise FetchRefused(f"not a stylesheet, image or font: {raw[:80]!r}")
    return path


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for _prefix, storage in getattr(finder, "locations", []):
            roots.append(Path(storage).resolve())
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots
