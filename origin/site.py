"""The sample site's files, served only from inside the content folder.

A path is refused (403) before the file system is asked when any segment could step outside
the folder or hide a trick: `..`, dot-files, empty segments (`//etc/passwd`), backslashes and NUL
bytes. What is left is resolved with symlinks followed and must still lie inside the folder.
aiohttp's FileResponse then does ETag, Last-Modified, conditional requests and Range.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from aiohttp import web

__all__ = ["CACHE_CONTROL_BY_SUFFIX", "CONTENT_ROOT", "handle_site", "safe_parts", "site_routes"]

CONTENT_ROOT = web.AppKey("content_root", Path)
INDEX = "index.html"

# Kinds of the content that aiohttp's table of types lacks (a browser would download them).
CONTENT_TYPE_BY_SUFFIX: dict[str, str] = {".md": "text/markdown; charset=utf-8"}

# What the origin tells caches about each kind of file.
CACHE_CONTROL_BY_SUFFIX: dict[str, str] = {
    ".html": "max-age=60",
    ".css": "max-age=86400",
    ".js": "max-age=86400",
    ".jpg": "max-age=604800",
    ".jpeg": "max-age=604800",
    ".png": "max-age=604800",
    ".gif": "max-age=604800",
    ".webp": "max-age=604800",
    ".svg": "max-age=604800",
    ".ico": "max-age=604800",
}


def safe_parts(relative: str) -> tuple[str, ...] | None:
    """The segments of a decoded URL path below the root, or None when it must be refused."""
    if "\x00" in relative or "\\" in relative:
        return None
    segments = relative.split("/")
    if relative and any(segment == "" for segment in segments[:-1]):
        return None
    if any(segment.startswith(".") for segment in segments):
        return None
    return tuple(segment for segment in segments if segment)


def _locate(path: Path, root: Path) -> Path:
    """`path` with symlinks resolved: 404 when it does not exist, 403 when it lies outside."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a loop of links, a name too long ...
        raise web.HTTPNotFound() from None
    if not resolved.is_relative_to(root):
        raise web.HTTPForbidden(text="forbidden\n")
    return resolved


async def handle_site(request: web.Request) -> web.StreamResponse:
    relative = request.match_info["tail"]
    parts = safe_parts(relative)
    if parts is None:
        raise web.HTTPForbidden(text="forbidden\n")
    root = request.app[CONTENT_ROOT]
    target = _locate(root.joinpath(*parts), root)
    if target.is_dir():
        if relative and not relative.endswith("/"):  # so the page's relative links resolve
            location = "/" + quote(relative) + "/"
            if request.query_string:
                location += "?" + request.query_string
            raise web.HTTPMovedPermanently(location=location)
        target = _locate(target / INDEX, root)
    if not target.is_file():
        raise web.HTTPNotFound()
    suffix = target.suffix.lower()
    headers = {}
    if cache_control := CACHE_CONTROL_BY_SUFFIX.get(suffix):
        headers["Cache-Control"] = cache_control
    if content_type := CONTENT_TYPE_BY_SUFFIX.get(suffix):
        headers["Content-Type"] = content_type
    return web.FileResponse(target, headers=headers)


def site_routes() -> list[web.RouteDef]:
    """The catch-all route: register it after every other route."""
    return [web.get("/{tail:.*}", handle_site)]
