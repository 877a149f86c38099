"""Invalidation paths (spec §6.1): an exact URI, or a prefix ending in the only wildcard `*`.

A matcher is applied to a cached object's URI as it is keyed: its path, then `?` and the
query string when the cache key has one. A path without a query therefore invalidates only
the object keyed without one; `/a*` reaches every query-string variant of `/a`.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MAX_PATH_LENGTH", "invalidation_matcher", "pattern_error"]

MAX_PATH_LENGTH = 4000


def pattern_error(path: str) -> str | None:
    """Why CloudFront would reject this invalidation path, or None when it is fine."""
    if not path.startswith("/"):
        return "invalidation path must start with '/'"
    if len(path) > MAX_PATH_LENGTH:
        return f"invalidation path is longer than {MAX_PATH_LENGTH} characters"
    if "*" in path[:-1]:
        return "'*' is only allowed as the last character of an invalidation path"
    return None


def invalidation_matcher(path: str) -> Callable[[str], bool]:
    """A predicate on keyed URIs (`/p` or `/p?q`); case-sensitive, as CloudFront is."""
    if path.endswith("*"):
        prefix = path[:-1]
        return lambda uri: uri.startswith(prefix)
    return lambda uri: uri == path
