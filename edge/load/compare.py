"""`edgesim load --compare a.json b.json`: two runs side by side, to see what a change of
configuration (TTLs, cache sizes, topology) did to the same traffic.

Each figure is shown for A and B, with B − A and which run did better: a higher hit ratio,
offload or achieved rate, a lower error share, p95 latency or bill. Ratios differ in percentage
points; latencies, rates and money also by how much in percent. "=" marks figures that are the
same as shown. When the runs' settings differ in something besides the target, the lines above
the table say so, since a comparison of different traffic says little about the configuration.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from edge.load.report import (
    NEGATIVE_BYTE_OFFLOAD,
    WIDTH,
    Table,
    describe_model,
    format_count,
    format_ms,
    format_rate,
    format_ratio,
    format_usd,
    offload,
    render_table,
)
from edge.load.stats import LoadStats

__all__ = ["RESULT_FORMAT", "compare_command", "comparison_data", "render_comparison"]

RESULT_FORMAT = "edgesim-load/1"
_EXIT_BAD_INPUT = 2
_REQUIRED = ("started_at", "elapsed_s", "settings", "achieved_rate", "stats", "bill")


def _bound(value: float | None, unit: str) -> str:
    return "none" if value is None else f"{value:,g}{unit}"


# The settings that shape the traffic, each with how a note shows it: the model's words say
# what its rate, users or replay were (a setting that does not apply has no value to show).
_SETTINGS_COMPARED: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("model", describe_model),
    ("duration bound", lambda s: _bound(s.get("duration_s"), " s")),
    ("requests bound", lambda s: _bound(s.get("requests"), "")),
    ("population", lambda s: str(s.get("population"))),
    ("workload", lambda s: str(s.get("workload"))),
    ("Zipf alpha", lambda s: ("none (a replay)" if str(s.get("workload")).startswith("log:")
                              else _bound(s.get("alpha"), ""))),
    ("destination", lambda s: "each viewer's nearest PoP" if s.get("direct") else "one target"),
)
Figure = float | int | None


class BadResult(ValueError):
    """A file that is not a run result `--compare` can read; the message is one line."""


def _figures(result: Mapping[str, Any], regions: Iterable[str]) -> dict[str, tuple[str, Figure]]:
    """Each compared figure of a run: key → (kind, value); a viewer region of `regions` the run
    had no viewers in has the value None."""
    stats = LoadStats.from_json(result["stats"])
    total = stats.total
    by_requests, by_bytes = offload(result)
    figures: dict[str, tuple[str, Figure]] = {
        "requests": ("count", total.requests),
        "achieved rate": ("rate", result["achieved_rate"]),
        "error share": ("ratio", total.errors / total.requests if total.requests else None),
        "hit ratio": ("ratio", total.hit_ratio),
        "byte hit ratio": ("ratio", total.byte_hit_ratio),
        "origin offload (requests)": ("ratio", by_requests),
        "origin offload (bytes)": ("ratio", by_bytes),
        "p95 latency, all": ("ms", total.latency.percentile(0.95) if total.requests else None),
    }
    for region in sorted(regions):
        tally = stats.by_region.get(region)
        figures[f"p95 latency, {region}"] = (
            "ms", tally.latency.percentile(0.95) if tally is not None and tally.requests else None)
    figures["monthly bill"] = ("usd", result["bill"]["total"])
    return figures


# Which way is better, per figure: +1 higher, -1 lower, 0 neither.
def _direction(metric: str) -> int:
    if metric == "requests":
        return 0
    if metric.startswith(("p95 latency", "error share", "monthly bill")):
        return -1
    return 1


_FORMATS: dict[str, Callable[[float], str]] = {
    "count": lambda v: format_count(int(v)),
    "rate": lambda v: f"{format_rate(v)} req/s",
    "ratio": lambda v: format_ratio(v),
    "ms": lambda v: f"{format_ms(v)} ms",
    "usd": format_usd,
}


def comparison_data(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison as data: each figure's values, delta (B − A) and the better run."""
    # Both runs get a row for every viewer region either had, so that a region one run lacks
    # shows as missing there (as "-") in either order.
    regions = set(a["stats"]["by_region"]) | set(b["stats"]["by_region"])
    figures_a, figures_b = _figures(a, regions), _figures(b, regions)
    rows = []
    for metric, (kind, value_a) in figures_a.items():
        value_b = figures_b[metric][1]
        delta = None if value_a is None or value_b is None else value_b - value_a
        rows.append({"metric": metric, "kind": kind, "a": value_a, "b": value_b,
                     "delta": delta, "better": _better(metric, kind, value_a, value_b)})
    return {"rows": rows, "settings_differ": _settings_differ(a["settings"], b["settings"])}


def _settings_differ(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, str]]:
    """The compared settings in which the runs differ, each as the two runs' words for it."""
    differ = []
    for name, show in _SETTINGS_COMPARED:
        shown_a, shown_b = show(a), show(b)
        if shown_a != shown_b:
            differ.append({"setting": name, "a": shown_a, "b": shown_b})
    return differ


def _better(metric: str, kind: str, a: Figure, b: Figure) -> str | None:
    """"A", "B", "=" (the same as shown), or None (no order, or a figure missing)."""
    direction = _direction(metric)
    if a is None or b is None or not direction:
        return None
    show = _FORMATS[kind]
    if show(a) == show(b):
        return "="
    return "B" if (b - a) * direction > 0 else "A"


def _signed(shown: str, zero: str, negative: bool) -> str:
    """A delta as shown with its sign; one that rounds to zero as shown has none (not -0.0)."""
    if shown == zero:
        return shown
    return ("-" if negative else "+") + shown


def _format_delta(kind: str, a: float, delta: float) -> str:
    if kind == "ratio":
        return _signed(f"{abs(delta) * 100:.1f}", "0.0", delta < 0) + " pt"
    show = _FORMATS[kind]
    text = _signed(show(abs(delta)), show(0), delta < 0)
    if a:
        percent = delta / a * 100
        text += f" ({_signed(f'{abs(percent):.1f}', '0.0', percent < 0)}%)"
    return text


def render_comparison(a: Mapping[str, Any], b: Mapping[str, Any],
                      names: tuple[str, str] = ("A", "B")) -> str:
    """The two runs side by side, for the terminal; `names` say which run is A and which B."""
    data = comparison_data(a, b)
    lines = [f"A: {names[0]} (started {a['started_at']}, target {a['settings']['target']})",
             f"B: {names[1]} (started {b['started_at']}, target {b['settings']['target']})"]
    for d in data["settings_differ"]:
        lines.append(f"note: the runs differ in {d['setting']}: A {d['a']}, B {d['b']}")
    rows = []
    notes = ["better: higher hit ratios, offload and rate; lower error share, latency and bill; "
             '"=" the same as shown']
    for row in data["rows"]:
        if row["metric"] == "origin offload (bytes)" and any(
                row[side] is not None and row[side] < 0 for side in ("a", "b")):
            notes.append(f"origin offload (bytes) below zero: {NEGATIVE_BYTE_OFFLOAD}")
        show = _FORMATS[row["kind"]]
        rows.append((
            row["metric"],
            "-" if row["a"] is None else show(row["a"]),
            "-" if row["b"] is None else show(row["b"]),
            "-" if row["delta"] is None else _format_delta(row["kind"], row["a"], row["delta"]),
            row["better"] or "",
        ))
    table = Table("Comparison (delta = B - A)", ("figure", "A", "B", "delta", "better"),
                  "lrrrl", tuple(rows), tuple(notes))
    wrapped = [part for line in lines
               for part in textwrap.wrap(line, WIDTH, subsequent_indent="   ",
                                         break_on_hyphens=False)]
    return "\n".join([*wrapped, "", render_table(table)]) + "\n"


def read_result(path: str | Path) -> dict[str, Any]:
    """A run result from its JSON file, checked enough to compare; `BadResult` otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadResult(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadResult(f"{path}: cannot read it ({error})") from None
    try:
        result = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadResult(f"{path}: not JSON ({error})") from None
    if not isinstance(result, dict) or result.get("format") != RESULT_FORMAT:
        found = result.get("format") if isinstance(result, dict) else None
        raise BadResult(f"{path}: not an edgesim load result (format {found!r}, expected "
                        f"{RESULT_FORMAT!r}); write one with edgesim load --json FILE")
    missing = [key for key in _REQUIRED if key not in result]
    if missing:
        raise BadResult(f"{path}: incomplete load result, missing {', '.join(missing)}")
    try:
        LoadStats.from_json(result["stats"])
        float(result["bill"]["total"])
    except (KeyError, TypeError, ValueError) as error:
        raise BadResult(f"{path}: damaged load result ({type(error).__name__}: {error})") \
            from None
    return result


def compare_command(paths: Sequence[str | Path]) -> int:
    """Print the comparison of two run results; exit status 2, and one line, if they cannot
    be read."""
    if len(paths) != 2:
        print(f"edgesim load --compare: needs two result files, got {len(paths)}",
              file=sys.stderr)
        return _EXIT_BAD_INPUT
    try:
        a, b = (read_result(path) for path in paths)
    except BadResult as error:
        print(f"edgesim load --compare: {error}", file=sys.stderr)
        return _EXIT_BAD_INPUT
    sys.stdout.write(render_comparison(a, b, (str(paths[0]), str(paths[1]))))
    return 0
