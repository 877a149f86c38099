"""`Cache-Control` (RFC 9111 §5.2) and `CDN-Cache-Control` (RFC 9213) parsed once into a value.

Both request and response directives land in one frozen `CacheControl`; which ones matter is
the caller's business. Parsing is lenient where RFC 9111 lets a recipient be, and conservative
where a wrong guess would serve stale content: a freshness directive that is invalid or
repeated with different values is taken as 0, so the response is stale (RFC 9111 §4.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DELTA_SECONDS_MAX", "CacheControl", "parse_cache_control"]

# RFC 9111 §1.2.2: larger delta-seconds are taken as 2^31; also "max-stale" without a value.
DELTA_SECONDS_MAX = 2**31

# A directive: token, optionally "=" token-or-quoted-string; whatever follows up to the next
# top-level comma is skipped (malformed input must not shift the following directives).
_DIRECTIVE = re.compile(
    r"""\s*(?P<name>[^=,\s"]+)\s*
        (?:=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^,\s"]*)))?
        [^,]*(?:,|$)""",
    re.X,
)
_QUOTED_PAIR = re.compile(r"\\(.)")

_FRESHNESS = frozenset({"max-age", "s-maxage"})
_DELTAS = {
    "max-age": "max_age",
    "s-maxage": "s_maxage",
    "stale-while-revalidate": "stale_while_revalidate",
    "stale-if-error": "stale_if_error",
    "max-stale": "max_stale",
    "min-fresh": "min_fresh",
}
_FLAGS = {
    "no-cache": "no_cache",
    "no-store": "no_store",
    "private": "private",
    "public": "public",
    "must-revalidate": "must_revalidate",
    "proxy-revalidate": "proxy_revalidate",
    "no-transform": "no_transform",
    "immutable": "immutable",
    "only-if-cached": "only_if_cached",
}


@dataclass(frozen=True, slots=True)
class CacheControl:
    """The directives of one message; absent numbers are None, absent flags False."""

    max_age: int | None = None
    s_maxage: int | None = None
    stale_while_revalidate: int | None = None
    stale_if_error: int | None = None
    max_stale: int | None = None  # DELTA_SECONDS_MAX when given without a value
    min_fresh: int | None = None
    no_cache: bool = False  # also set by the qualified form, which we treat as unqualified
    no_store: bool = False
    private: bool = False  # likewise
    public: bool = False
    must_revalidate: bool = False
    proxy_revalidate: bool = False
    no_transform: bool = False
    immutable: bool = False
    only_if_cached: bool = False
    no_cache_fields: tuple[str, ...] = ()
    private_fields: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == _EMPTY


_EMPTY = CacheControl()


def _delta_seconds(value: str | None) -> int | None:
    if value is None or not value.isdigit() or not value.isascii():
        return None
    return min(int(value), DELTA_SECONDS_MAX)


def _field_names(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(n.strip().lower() for n in value.split(",") if n.strip())


def parse_cache_control(values: Iterable[str]) -> CacheControl:
    """Parse every line of the field (lines are one comma-separated list, RFC 9110 §5.3)."""
    numbers: dict[str, int | None] = {}
    flags: dict[str, bool] = {}
    fields: dict[str, tuple[str, ...]] = {}
    for line in values:
        for m in _DIRECTIVE.finditer(line):
            name = m["name"].lower()
            quoted = m["quoted"]
            raw = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else m["token"]
            if name in _DELTAS:
                attr = _DELTAS[name]
                seconds = _delta_seconds(raw)
                if name == "max-stale" and raw is None:
                    seconds = DELTA_SECONDS_MAX  # RFC 9111 §5.2.1.2: any staleness
                if name in _FRESHNESS:
                    if seconds is None or numbers.get(attr, seconds) != seconds:
                        seconds = 0  # invalid or conflicting → stale (RFC 9111 §4.2.1)
                    numbers[attr] = seconds
                elif seconds is not None:
                    numbers.setdefault(attr, seconds)  # first valid occurrence wins
            elif name in _FLAGS:
                attr = _FLAGS[name]
                flags[attr] = True
                if attr in ("no_cache", "private"):
                    fields[f"{attr}_fields"] = (*fields.get(f"{attr}_fields", ()),
                                                *_field_names(raw))
    if not (numbers or flags):
        return _EMPTY
    return CacheControl(**numbers, **flags, **fields)  # type: ignore[arg-type]
