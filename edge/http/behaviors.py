"""Choosing the cache behavior for a path (spec §4.1).

Patterns are compiled once; matching is first-match in list order, case-sensitive, with `*`
for any run of characters (crossing `/`) and `?` for exactly one. The last behavior is the
default and takes whatever the others do not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from edge.config import Behavior

__all__ = ["MAX_PATTERN_LENGTH", "BehaviorMatcher", "pattern_error"]

MAX_PATTERN_LENGTH = 255
# CloudFront's allowed characters, plus `?`, the one-character wildcard.
_ALLOWED = re.compile(r"[A-Za-z0-9_\-.*$/~\"'@:+&?]+")


def pattern_error(pattern: str) -> str | None:
    """Why a path pattern would be rejected by CloudFront, or None when it is fine."""
    if not pattern:
        return "path pattern is empty"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"path pattern is longer than {MAX_PATTERN_LENGTH} characters"
    if _ALLOWED.fullmatch(pattern) is None:
        bad = sorted({c for c in pattern if _ALLOWED.fullmatch(c) is None})
        return f"path pattern has characters CloudFront does not allow: {''.join(bad)!r}"
    return None


def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith(("/", "*")):
        pattern = "/" + pattern  # the leading `/` is optional
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL)


class BehaviorMatcher:
    """The behaviors of one distribution, ready to match request paths."""

    __slots__ = ("_compiled", "_default")

    def __init__(self, behaviors: Sequence[Behavior]) -> None:
        if not behaviors:
            raise ValueError("a distribution needs at least its default behavior")
        *ordered, self._default = behaviors
        self._compiled = tuple((_compile(b.path_pattern), b) for b in ordered)

    def match(self, path: str) -> Behavior:
        for pattern, behavior in self._compiled:
            if pattern.fullmatch(path):
                return behavior
        return self._default
