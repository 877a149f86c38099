"""The end-of-run summary of `edgesim load`: what was asked, what the viewers saw per region and
per PoP, what reached the origin, what the functions did, and what a month of it would cost.

Reads only the run result (the JSON document of the run), so a summary can be printed again
from a saved file. The figures are laid out as `Table`s first and rendered second: the HTML
report shows the same tables, and the two cannot drift apart.

Counts are shown exactly (with thousands separators) because they must agree with the nodes'
own counters; latencies in ms with a precision that suits their size; ratios as percentages.
Rates are per second of the sending window (first send to last send, `_rate_window`), as the
achieved rate is, so the wait for the last answers lowers none of them.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edge.load.stats import NO_POP, NO_X_CACHE, LoadStats, Tally

__all__ = [
    "NEGATIVE_BYTE_OFFLOAD",
    "WIDTH",
    "Cell",
    "Table",
    "counted",
    "describe_model",
    "format_bytes",
    "format_count",
    "format_ms",
    "format_rate",
    "format_ratio",
    "format_usd",
    "offload",
    "overview",
    "render_summary",
    "render_table",
    "tables",
]

WIDTH = 100  # columns the terminal summary fits in
# Why the byte offload can be below zero: the origin's bytes are counted as it sent them, the
# viewers' as they got them, and the edge may shrink a body between the two.
NEGATIVE_BYTE_OFFLOAD = ("the origin sent more bytes than the viewers received, as when edge "
                         "functions (resized images), compression or byte ranges make the "
                         "edge's responses smaller than the origin's")
_GAP = "  "
# A cell: text, or a mix of entries ("Hit 83.1%", "Miss 16.9%") that may wrap between entries.
Cell = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of formatted cells; `align` has "l" or "r" per column."""

    title: str
    header: tuple[str, ...]
    align: str
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = ()
    wrap: frozenset[int] = frozenset()  # the columns that may wrap to fit `WIDTH`


# -- numbers -----------------------------------------------------------------------------------

def format_count(n: int) -> str:
    return f"{n:,}"


def counted(n: int, word: str, words: str | None = None) -> str:
    """A count with its noun, singular for one: "1 request", "2,000 requests"."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def format_ms(ms: float) -> str:
    """A latency with about three significant figures: 0.42, 12.3, 230."""
    if ms < 10:
        return f"{ms:.2f}"
    if ms < 100:
        return f"{ms:.1f}"
    return f"{ms:,.0f}"


def format_rate(per_second: float) -> str:
    return f"{per_second:,.1f}"


def _seconds(seconds: float) -> str:
    """A duration: 25.0, or 0.482 when under a second (a short run's sending window)."""
    return f"{seconds:,.1f}" if seconds >= 1 else f"{seconds:.3f}"


def format_ratio(ratio: float | None) -> str:
    """A ratio as a percentage, "-" when there was nothing to divide by."""
    return "-" if ratio is None else f"{ratio * 100:.1f}%"


def format_bytes(n: float) -> str:
    """Bytes in binary units, as CloudFront bills them (a GB is 2^30 bytes)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"


def format_usd(usd: float) -> str:
    """Dollars and cents; two significant figures below a cent, so small bills are not $0.00."""
    if usd == 0 or abs(usd) >= 0.01:
        return f"${usd:,.2f}"
    return f"${usd:.2g}"


def _share(n: int, of: int) -> str:
    share = n / of * 100
    return f"{share:.1f}%" if n == of or share >= 0.1 else "<0.1%"


# -- figures -----------------------------------------------------------------------------------

def offload(result: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The shares of requests and of bytes that the edge answered without the origin; None
    where the origin's counters are unknown or nothing was requested."""
    origin = result.get("origin")
    total = result["stats"]["total"]
    if origin is None:
        return None, None
    by_requests = 1 - origin["requests"] / total["requests"] if total["requests"] else None
    by_bytes = 1 - origin["bytes"] / total["bytes"] if total["bytes"] else None
    return by_requests, by_bytes


def _rate_window(result: Mapping[str, Any]) -> tuple[float | None, str]:
    """The seconds a run's rates are taken over, and what they are in words: the sending
    window (None for a run that sent all at once). Results written before the window was
    recorded took the whole run, the wait for the last answers included."""
    if "sending_s" not in result:
        return result["elapsed_s"], "the whole run, the wait for the last answers included"
    return result["sending_s"] or None, "from the first send to the last"


def overview(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The lines above the tables, labelled: the run, its settings, its rate, the origin."""
    total = result["stats"]["total"]
    lines = [
        ("run", f"started {result['started_at']}, lasted "
                f"{_seconds(result['elapsed_s'])} s to the last answer"),
        ("settings", _settings(result["settings"])),
        ("rate", _rate(result, total["requests"])),
        ("origin", _origin(result, total)),
    ]
    lines += [("warning", warning) for warning in result.get("warnings", [])]
    return lines


def describe_model(s: Mapping[str, Any]) -> str:
    """How a run's requests were sent, from its settings: "open model at 20 req/s", "closed
    model, 20 users thinking 1-3 s", or an access log's replay."""
    model = s.get("model")
    # A replay has no arrival model; results written before "replay" was recorded say "open"
    # with no rate.
    if model == "replay" or (model == "open" and s.get("rate") is None):
        return "replay of the access log at its logged times, from its first request"
    if model == "open":
        text = f"open model at {s['rate']:g} req/s"
        if s.get("ramp_up_s"):
            text += f" (ramp-up {s['ramp_up_s']:g} s)"
        return text
    if model == "closed" and s.get("users") is not None:
        text = f"closed model, {counted(s['users'], 'user')}"
        if s.get("think_s") and max(s["think_s"]) > 0:  # no think time: nothing to say
            low, high = s["think_s"]
            text += f" thinking {low:g}-{high:g} s"
        return text
    return f"{model} model"


def _settings(s: Mapping[str, Any]) -> str:
    model = describe_model(s)
    bounds = []
    if s.get("duration_s") is not None:
        bounds.append(f"{s['duration_s']:g} s")
    if s.get("requests") is not None:
        bounds.append(counted(s["requests"], "request"))
    parts = [model, "for " + " or ".join(bounds), f"{s['workers']} worker"
             + ("s" if s["workers"] != 1 else ""), f"population {s['population']}",
             f"workload {s['workload']}"]
    if not s["workload"].startswith("log:"):  # a replay keeps the log's own popularity
        parts[-1] += f" (Zipf alpha {s['alpha']:g})"
    if s.get("seed") is not None:
        parts.append(f"seed {s['seed']}")
    parts.append("direct to each viewer's nearest PoP" if s["direct"]
                 else f"through {s['target']}")
    return ", ".join(parts)


def _rate(result: Mapping[str, Any], requests: int) -> str:
    seconds, words = _rate_window(result)
    if seconds is None:
        return (f"{counted(requests, 'request')}, all sent at once: no rate to measure"
                if requests != 1 else "1 request: no rate to measure")
    achieved = result["achieved_rate"]
    text = (f"{counted(requests, 'request')} over {_seconds(seconds)} s, {words}: "
            f"{format_rate(achieved)} req/s achieved")
    requested = result.get("requested_rate")
    if requested:
        text += f" of {requested:g} requested ({achieved / requested * 100:.1f}%)"
    return text


def _origin(result: Mapping[str, Any], total: Mapping[str, Any]) -> str:
    origin = result.get("origin")
    if origin is None:  # results written before the reason was recorded have none
        reason = result.get("origin_unknown") or "the origin is not edgesim's own"
        return f"not counted ({reason})"
    by_requests, by_bytes = offload(result)
    why = f": {NEGATIVE_BYTE_OFFLOAD}" if by_bytes is not None and by_bytes < 0 else ""
    return (f"{counted(origin['requests'], 'request')} of {format_count(total['requests'])} "
            f"(offload {format_ratio(by_requests)}), {format_bytes(origin['bytes'])} of "
            f"{format_bytes(total['bytes'])} (offload {format_ratio(by_bytes)}{why})")


def tables(result: Mapping[str, Any]) -> list[Table]:
    """Every table of the report, in order."""
    stats = LoadStats.from_json(result["stats"])
    window = _rate_window(result)
    found = []
    for kind, groups in (("viewer region", stats.by_region), ("PoP", stats.by_pop)):
        found += [_latency_table(kind, groups, stats.total, window),
                  _cache_table(kind, groups, stats.total)]
    if result.get("functions"):
        found.append(_functions_table(result["functions"]))
    found.append(_bill_table(result["bill"]))
    return found


def _by_requests(groups: Mapping[str, Tally]) -> list[tuple[str, Tally]]:
    return sorted(groups.items(), key=lambda item: (-item[1].requests, item[0]))


def _latency_table(kind: str, groups: Mapping[str, Tally], total: Tally,
                   window: tuple[float | None, str]) -> Table:
    seconds, words = window

    def row(name: str, t: Tally) -> tuple[Cell, ...]:
        lat = t.latency.summary()
        statuses = Counter({("none" if s == 0 else str(s)): n for s, n in t.statuses.items()})
        rate = "-" if seconds is None else format_rate(t.requests / seconds)
        return (name, format_count(t.requests), rate,
                format_count(t.errors), format_ms(lat["p50"]), format_ms(lat["p90"]),
                format_ms(lat["p99"]), format_ms(lat["max"]), _mix(statuses, t.requests))

    notes = ["req/s: none, the requests were all sent at once" if seconds is None
             else f"req/s: over {_seconds(seconds)} s, {words}",
             "errors: no response or a 5xx; status \"none\": no response"]
    if kind == "PoP" and NO_POP in groups:
        notes.append(f'PoP "{NO_POP}": no response, or an answer without X-Amz-Cf-Pop')
    return Table(
        f"Requests and latency by {kind}",
        (kind, "requests", "req/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "status"),
        "lrrrrrrrl",
        (*(row(name, t) for name, t in _by_requests(groups)), row("all", total)),
        tuple(notes),
        wrap=frozenset({8}),
    )


def _cache_table(kind: str, groups: Mapping[str, Tally], total: Tally) -> Table:
    def row(name: str, t: Tally) -> tuple[Cell, ...]:
        outcomes = Counter({("none" if x == NO_X_CACHE else x): n for x, n in t.x_cache.items()})
        return (name, format_count(t.hits), format_ratio(t.hit_ratio),
                format_ratio(t.byte_hit_ratio), _mix(outcomes, t.requests))

    return Table(
        f"Cache by {kind}",
        (kind, "hits", "hit ratio", "byte hit ratio", "X-Cache"),
        "lrrrl",
        (*(row(name, t) for name, t in _by_requests(groups)), row("all", total)),
        ("hits: Hit and RefreshHit; hit ratio: hits / (hits + Miss), by requests and by bytes; "
         'X-Cache "none": no header',),
        wrap=frozenset({4}),
    )


def _mix(counts: Counter[str], of: int) -> tuple[str, ...]:
    """Each value's share of the requests, the most frequent first."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(f"{value} {_share(n, of)}" for value, n in ranked if n)


def _functions_table(functions: Mapping[str, Mapping[str, Any]]) -> Table:
    rows, notes = [], []
    for name, f in sorted(functions.items()):
        errors = sum(f["errors"].values())
        rows.append((name, format_count(f["invocations"]), format_count(errors),
                     format_ms(f["duration_p50_ms"]), format_ms(f["duration_p99_ms"]),
                     format_count(f["cold_starts"]), f"{f['gb_seconds']:,.4f}"))
        if errors:
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(f["errors"].items()))
            notes.append(f"{name} errors: {kinds}")
    if functions:  # the nodes keep percentiles, which a run's own cannot be taken out of
        notes.append("p50/p99: the nodes' meters since deployment (the highest node's), "
                     "not this run's alone")
    if len(functions) > 1:
        rows.append((
            "all", format_count(sum(f["invocations"] for f in functions.values())),
            format_count(sum(sum(f["errors"].values()) for f in functions.values())), "", "",
            format_count(sum(f["cold_starts"] for f in functions.values())),
            f"{sum(f['gb_seconds'] for f in functions.values()):,.4f}",
        ))
    return Table(
        "Edge functions",
        ("function", "invocations", "errors", "p50 ms", "p99 ms", "cold starts", "GB-s"),
        "lrrrrrr",
        tuple(rows),
        tuple(notes),
    )


def _bill_table(bill: Mapping[str, Any]) -> Table:
    transfer: Mapping[str, float] = bill["data_transfer"]
    requests: Mapping[str, float] = bill["requests"]
    regions = sorted(set(transfer) | set(requests),
                     key=lambda r: (-(transfer.get(r, 0) + requests.get(r, 0)), r))
    rows: list[tuple[Cell, ...]] = [
        (region, format_usd(transfer.get(region, 0.0)), format_usd(requests.get(region, 0.0)),
         format_usd(transfer.get(region, 0.0) + requests.get(region, 0.0)))
        for region in regions
    ]
    rows += [
        ("Lambda@Edge requests", "", "", format_usd(bill["function_requests"])),
        ("Lambda@Edge compute (GB-s)", "", "", format_usd(bill["function_duration"])),
        ("total", format_usd(sum(transfer.values())), format_usd(sum(requests.values())),
         format_usd(bill["total"])),
    ]
    return Table(
        "Estimated monthly bill at the same rate (CloudFront + Lambda@Edge, USD)",
        ("price region", "data transfer", "requests", "total"),
        "lrrr",
        tuple(rows),
        ("the run's traffic scaled to a month of 730 h, before tiering; free tier not deducted",),
        wrap=frozenset({0}),
    )


# -- text --------------------------------------------------------------------------------------

def render_summary(result: Mapping[str, Any]) -> str:
    """The terminal summary of a run: overview lines, then every table, within `WIDTH`."""
    labelled = overview(result)
    label_width = max(len(label) for label, _ in labelled)
    lines = [f"edgesim load: {result['settings']['target']}"]
    for label, text in labelled:
        lines += textwrap.wrap(text, WIDTH, initial_indent=f"{label:<{label_width}}  ",
                               subsequent_indent=" " * (label_width + 2),
                               break_on_hyphens=False)
    for table in tables(result):
        lines += ["", *render_table(table).splitlines()]
    return "\n".join(lines) + "\n"


def render_table(table: Table) -> str:
    """A table as aligned text; columns in `table.wrap` wrap so the table fits `WIDTH`."""
    widths = _widths(table)
    lines = [table.title, _line(table.header, widths, table.align),
             _line(tuple("-" * w for w in widths), widths, table.align)]
    for row in table.rows:
        cells = [_wrap(cell, width) for cell, width in zip(row, widths, strict=True)]
        for i in range(max(map(len, cells))):
            lines.append(_line(tuple(c[i] if i < len(c) else "" for c in cells), widths,
                               table.align))
    for note in table.notes:
        lines += textwrap.wrap(f"({note})", WIDTH, break_on_hyphens=False)
    return "\n".join(lines)


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else ", ".join(cell)


def _widths(table: Table) -> list[int]:
    columns = list(zip(table.header, *table.rows, strict=True))
    widths = [max(len(_text(cell)) for cell in column) for column in columns]
    spare = WIDTH - sum(widths) - len(_GAP) * (len(widths) - 1)
    if spare >= 0 or not table.wrap:
        return widths
    # Share what the fixed columns leave among the wrapping ones, never below their longest
    # unbreakable piece (a word or a mix entry).
    room = WIDTH - len(_GAP) * (len(widths) - 1) - sum(
        w for i, w in enumerate(widths) if i not in table.wrap)
    wanted = sum(widths[i] for i in table.wrap)
    for i in sorted(table.wrap):
        smallest = max(len(piece) for cell in columns[i] for piece in _pieces(cell))
        widths[i] = min(widths[i], max(smallest, room * widths[i] // wanted))
    return widths


def _pieces(cell: Cell) -> Iterable[str]:
    return cell.split() if isinstance(cell, str) else cell


def _wrap(cell: Cell, width: int) -> list[str]:
    if isinstance(cell, str):
        return textwrap.wrap(cell, width, break_on_hyphens=False) or [""]
    lines: list[str] = []
    for entry in cell:
        if lines and len(lines[-1]) + 2 + len(entry) <= width:
            lines[-1] += ", " + entry
        else:
            lines.append(entry)
    return lines or [""]


def _line(cells: Sequence[str], widths: Sequence[int], align: str) -> str:
    return _GAP.join(cell.rjust(w) if a == "r" else cell.ljust(w)
                     for cell, w, a in zip(cells, widths, align, strict=True)).rstrip()
