"""Reading TOML values with errors that say where: the file, the key path, what was expected.

Each reader takes a value and its place (`At`) and returns the checked value or raises a
`ConfigError` that prints as one line, `file: key.path: expected ..., got ...`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(Exception):
    """A configuration value edgesim cannot use: where it is, what was expected, what was found.

    `key` is a path into the file ("behaviors[2].cache_policy"); it is "" when the file itself
    is the problem (missing, unreadable).
    """

    def __init__(self, file: str, key: str, expected: str, found: str) -> None:
        super().__init__(file, key, expected, found)
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: expected {self.expected}, got {self.found}"


def describe(value: object) -> str:
    """A TOML value as a message shows it: its TOML type, then the value."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return f"string {shortened(value)!r}"
    if isinstance(value, list):
        return f"array {shortened(repr(value))}"
    if isinstance(value, dict):
        return "table"
    return f"{type(value).__name__} {value}"  # TOML dates and times


def shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quoted_names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def choices(word: str, known: Mapping[str, object] | tuple[str, ...]) -> str:
    """'did you mean' when a known name is close (difflib), else the list of known names."""
    close = difflib.get_close_matches(word, list(known), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"one of {quoted_names(sorted(known))}" if known else "none defined"


@dataclass(frozen=True, slots=True)
class At:
    """Where a value sits in the file, so that an error can say so."""

    file: str
    key: str = ""

    def field(self, name: str) -> At:
        return At(self.file, f"{self.key}.{name}" if self.key else name)

    def item(self, index: int) -> At:
        return At(self.file, f"{self.key}[{index}]")

    def fail(self, expected: str, found: str) -> ConfigError:
        return ConfigError(self.file, self.key, expected, found)

    def wrong(self, expected: str, value: object) -> ConfigError:
        return self.fail(expected, describe(value))


Parse = Callable[[Any, At], Any]


def table_keys(
    value: object, at: At, known: tuple[str, ...], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A table with no unknown key (the closest known one suggested) and every required key."""
    if not isinstance(value, dict):
        raise at.wrong("table", value)
    for key in value:
        if key not in known:
            raise at.field(key).fail(f"a known key ({choices(key, known)})", "unknown key")
    for key in required:
        if key not in value:
            raise at.field(key).fail("a value (the key is required)", "nothing")
    return value


def table_fields(
    value: object, at: At, parsers: Mapping[str, Parse], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A table read through `parsers`, one per known key; absent keys keep dataclass defaults."""
    table = table_keys(value, at, tuple(parsers), required)
    return {key: parsers[key](v, at.field(key)) for key, v in table.items()}


def array_of_tables(value: object, at: At, limit: int | None = None) -> list[Any]:
    """An array of tables (`[[origins]]`); `limit` is CloudFront's quota (spec §2.3)."""
    if not isinstance(value, list):
        raise at.wrong(f"array of tables ([[{at.key}]])", value)
    if limit is not None and len(value) > limit:
        raise at.fail(f"at most {limit} entries (CloudFront quota)", f"{len(value)} entries")
    return value


def string(value: object, at: At) -> str:
    if not isinstance(value, str):
        raise at.wrong("string", value)
    if not value.strip():
        raise at.wrong("non-empty string", value)
    return value


def boolean(value: object, at: At) -> bool:
    if not isinstance(value, bool):
        raise at.wrong("boolean (true or false)", value)
    return value


def integer(low: int, high: int | None = None) -> Parse:
    def parse(value: object, at: At) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise at.wrong("integer", value)
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise at.wrong(f"integer {bounds}", value)
        return value

    return parse


def number(low: float, high: float) -> Parse:
    def parse(value: object, at: At) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise at.wrong("number", value)
        if not low <= value <= high:  # written so that nan fails too
            raise at.wrong(f"number from {low:g} to {high:g}", value)
        return float(value)

    return parse


def choice(*choices: str) -> Parse:
    def parse(value: object, at: At) -> str:
        text = string(value, at)
        if text not in choices:
            raise at.wrong(f"one of {quoted_names(list(choices))}", value)
        return text

    return parse


def status(codes: frozenset[int]) -> Parse:
    def parse(value: object, at: At) -> int:
        code = integer(100, 599)(value, at)
        if code not in codes:
            raise at.wrong(f"one of {', '.join(map(str, sorted(codes)))}", value)
        return code

    return parse


def reference(what: str, known: Mapping[str, Any]) -> Parse:
    """A name that must be defined elsewhere in the file (or be a managed policy)."""

    def parse(value: object, at: At) -> Any:
        name = string(value, at)
        if name not in known:
            raise at.wrong(f"{what} ({choices(name, known)})", value)
        return known[name]

    return parse


def name_list(limit: int, noun: str = "name", *, article: str = "a",
              non_empty: bool = False) -> Parse:
    """Distinct names, at most `limit` (a CloudFront quota, spec §2.3): the `items` of key
    parameters, key groups' keys, a behavior's key groups."""

    def parse(value: object, at: At) -> tuple[str, ...]:
        if not isinstance(value, list) or (non_empty and not value):
            raise at.wrong(f"{'a non-empty ' if non_empty else ''}array of {noun}s", value)
        if len(value) > limit:
            raise at.fail(f"at most {limit} {noun}s (CloudFront quota)", f"{len(value)} {noun}s")
        names = tuple(string(v, at.item(i)) for i, v in enumerate(value))
        for i, name in enumerate(names):
            if name in names[:i]:
                raise at.item(i).wrong(f"{article} {noun} not already listed", name)
        return names

    return parse


SIZE_PATTERN = re.compile(r"(\d+)\s*(B|KiB|MiB|GiB)?")
SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def size(value: object, at: At) -> int:
    """Bytes, as an integer or as a string with a binary unit ("256MiB")."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and (m := SIZE_PATTERN.fullmatch(value.strip())) and int(m[1]) > 0:
        return int(m[1]) * SIZE_UNITS[m[2] or "B"]
    raise at.wrong("a size: a positive integer (bytes) or a string like '256MiB' or '1GiB'", value)

