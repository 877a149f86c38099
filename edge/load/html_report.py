"""The HTML report of a load run: one self-contained file that opens offline.

Everything is inline: the CSS in a <style> element, the charts as SVG drawn here, no script,
font or image from anywhere else, so the file can be mailed, archived or opened on a machine
without a network and look the same. Hovering a line, dot or PoP shows its figures through
SVG <title> elements, which needs no JavaScript.

Charts: the latency percentile curve of each viewer region (read from its latency histogram),
throughput and hit ratio per second of the run, and a world map (equirectangular: longitude
and latitude straight to x and y) of the viewers' cities, sized by requests, joined to the PoPs
that served them. Below them, the same tables as the terminal summary (`report.tables`).

Every string that comes from the run result is escaped, as it can hold a file name, a URL or
a function name.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from edge.load.report import Cell, Table, counted, format_ms, overview, tables
from edge.load.stats import LatencyHistogram

__all__ = ["render_html"]

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf")
_CHART_W, _CHART_H = 760, 300
_MARGIN_L, _MARGIN_R, _MARGIN_T, _MARGIN_B = 64, 16, 16, 44
_MAP_W, _MAP_H = 960, 480
_NINES = 3  # the percentile curves go to 99.9 %

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; }
dl.overview { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.overview dt { font-weight: 600; color: #555; } dl.overview dd { margin: 0; }
dd.warning { color: #a40000; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #f4f4f4; text-align: left; white-space: nowrap; }
td.r, th.r { text-align: right; } tr.all td { font-weight: 600; }
p.note { color: #666; font-size: 12px; margin: 0 0 4px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #444; }
.legend { font-size: 12px; margin: 4px 0 0; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
"""


def render_html(result: Mapping[str, Any]) -> str:
    """The report of a run as one HTML document (a string)."""
    settings = result["settings"]
    title = f"edgesim load: {settings['target']} at {result['started_at']}"
    regions = _regions_by_requests(result)
    colors = {region: _PALETTE[i % len(_PALETTE)] for i, region in enumerate(regions)}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _overview(result),
        '<section id="latency"><h2>Latency distribution by viewer region</h2>',
        _latency_chart(result, regions, colors),
        _legend((region, colors[region]) for region in regions),
        "</section>",
        '<section id="throughput"><h2>Throughput over time</h2>',
        _throughput_chart(result),
        _legend([("requests/s", _PALETTE[0]), ("errors/s", _PALETTE[3])]),
        "</section>",
        '<section id="hit-ratio"><h2>Hit ratio over time</h2>',
        _hit_ratio_chart(result),
        "</section>",
        '<section id="map"><h2>Viewers and the PoPs that served them</h2>',
        _world_map(result, colors),
        _legend([*((region, colors[region]) for region in regions), ("PoP", "#111")]),
        "</section>",
        '<section id="tables"><h2>Figures</h2>',
        *(_table(table) for table in tables(result)),
        "</section>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _regions_by_requests(result: Mapping[str, Any]) -> list[str]:
    by_region = result["stats"]["by_region"]
    return sorted(by_region, key=lambda r: (-by_region[r]["requests"], r))


def _overview(result: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<dt>{_e(label)}</dt><dd{' class=warning' if label == 'warning' else ''}>"
        f"{_e(text)}</dd>"
        for label, text in overview(result)
    )
    return f'<dl class="overview">{rows}</dl>'


def _legend(entries: Iterable[tuple[str, str]]) -> str:
    spans = "".join(f'<span><i style="background:{color}"></i>{_e(name)}</span>'
                    for name, color in entries)
    return f'<p class="legend">{spans}</p>'


# -- tables ------------------------------------------------------------------------------------

def _table(table: Table) -> str:
    head = "".join(f'<th class="{a}">{_e(name)}</th>'
                   for name, a in zip(table.header, table.align, strict=True))
    body = "".join(
        f"<tr{' class=all' if row[0] in ('all', 'total') else ''}>"
        + "".join(f'<td class="{a}">{_cell(cell)}</td>'
                  for cell, a in zip(row, table.align, strict=True))
        + "</tr>"
        for row in table.rows
    )
    notes = "".join(f'<p class="note">{_e(note)}</p>' for note in table.notes)
    return (f"<table><caption>{_e(table.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}")


def _cell(cell: Cell) -> str:
    return _e(cell) if isinstance(cell, str) else ", ".join(_e(entry) for entry in cell)


# -- charts ------------------------------------------------------------------------------------

def _nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above `value`: a round top for an axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _svg_open(width: int, height: int, label: str) -> str:
    return (f'<svg viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{_e(label)}">'
            f"<title>{_e(label)}</title>")


def _chart(label: str, x_top: float, y_top: float, x_ticks: Sequence[tuple[float, str]],
           y_format: Any, x_title: str, y_title: str, lines: Sequence[str]) -> str:
    """Axes, grid and ticks around `lines`, which are drawn by `_polyline` with `_plot`."""
    plot_w = _CHART_W - _MARGIN_L - _MARGIN_R
    plot_h = _CHART_H - _MARGIN_T - _MARGIN_B
    parts = [_svg_open(_CHART_W, _CHART_H, label),
             f'<rect x="{_MARGIN_L}" y="{_MARGIN_T}" width="{plot_w}" height="{plot_h}" '
             'fill="#fbfbfb" stroke="#ccc"/>']
    for i in range(5):
        value = y_top * i / 4
        y = _MARGIN_T + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{_MARGIN_L}" x2="{_MARGIN_L + plot_w}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#e6e6e6"/>'
                     f'<text x="{_MARGIN_L - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{_e(y_format(value))}</text>")
    for value, text in x_ticks:
        x = _MARGIN_L + plot_w * value / x_top
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_MARGIN_T}" '
                     f'y2="{_MARGIN_T + plot_h}" stroke="#eee"/>'
                     f'<text x="{x:.1f}" y="{_MARGIN_T + plot_h + 16}" text-anchor="middle">'
                     f"{_e(text)}</text>")
    parts.append(f'<text x="{_MARGIN_L + plot_w / 2:.1f}" y="{_CHART_H - 6}" '
                 f'text-anchor="middle">{_e(x_title)}</text>'
                 f'<text transform="translate(14 {_MARGIN_T + plot_h / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{_e(y_title)}</text>')
    if not lines:
        parts.append(f'<text x="{_MARGIN_L + plot_w / 2:.1f}" y="{_MARGIN_T + plot_h / 2:.1f}" '
                     'text-anchor="middle">no requests</text>')
    parts += [*lines, "</svg>"]
    return "".join(parts)


def _plot(x: float, y: float, x_top: float, y_top: float) -> tuple[float, float]:
    plot_w = _CHART_W - _MARGIN_L - _MARGIN_R
    plot_h = _CHART_H - _MARGIN_T - _MARGIN_B
    return (_MARGIN_L + plot_w * x / x_top,
            _MARGIN_T + plot_h - plot_h * min(y, y_top) / y_top)


def _polyline(points: Sequence[tuple[float, float]], color: str, tooltip: str) -> str:
    """A series as a line; a series of one point (a run of under a second) as a dot, which a
    browser draws where it would draw a one-point line as nothing."""
    if len(points) == 1:
        (x, y), = points
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f'<title>{_e(tooltip)}</title></circle>')
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<polyline points="{coordinates}" fill="none" stroke="{color}" '
            f'stroke-width="2" stroke-linejoin="round"><title>{_e(tooltip)}</title></polyline>')


def _latency_chart(result: Mapping[str, Any], regions: Sequence[str],
                   colors: Mapping[str, str]) -> str:
    """Latency against percentile, the percentile axis spread by nines (50, 90, 99, 99.9 %)
    so the tail, where regions differ most, gets as much room as the median."""
    steps = 20 * _NINES
    nines = [k / 20 for k in range(steps + 1)]  # x: -log10(1 - p)
    by_region = result["stats"]["by_region"]
    histograms = {region: LatencyHistogram.from_json(by_region[region]["latency"])
                  for region in regions}
    curves = {region: [h.percentile(1 - 10 ** -x) for x in nines]
              for region, h in histograms.items() if h.count}
    y_top = _nice_top(max((max(c) for c in curves.values()), default=0))
    lines = []
    for region, curve in curves.items():
        summary = histograms[region].summary()
        tooltip = (f"{region}: p50 {format_ms(summary['p50'])} ms, p90 "
                   f"{format_ms(summary['p90'])} ms, p99 {format_ms(summary['p99'])} ms")
        points = [_plot(x, y, _NINES, y_top) for x, y in zip(nines, curve, strict=True)]
        lines.append(_polyline(points, colors[region], tooltip))
    ticks = [(0, "0%"), (math.log10(2), "50%"), (1, "90%"), (2, "99%"), (3, "99.9%")]
    return _chart("Latency percentiles by viewer region", _NINES, y_top, ticks, lambda v: f"{v:g}",
                  "percentile", "latency (ms)", lines)


def _timeline(result: Mapping[str, Any]) -> list[dict[str, int]]:
    """One entry per second of the run, with zeros for the seconds nothing finished in."""
    seconds = {int(second): counts for second, counts in result["stats"]["timeline"]}
    if not seconds:
        return []
    empty = {"requests": 0, "errors": 0, "hits": 0, "misses": 0, "bytes": 0}
    return [seconds.get(second, empty) for second in range(max(seconds) + 1)]


def _time_ticks(length: int) -> list[tuple[float, str]]:
    step = _nice_top(length / 6)
    return [(t, f"{t:g} s") for t in (step * i for i in range(int(length / step) + 1))]


def _throughput_chart(result: Mapping[str, Any]) -> str:
    timeline = _timeline(result)
    x_top = max(1, len(timeline))
    y_top = _nice_top(max((s["requests"] for s in timeline), default=0))
    lines = []
    if timeline:
        for key, color in (("requests", _PALETTE[0]), ("errors", _PALETTE[3])):
            points = [_plot(t + 0.5, s[key], x_top, y_top) for t, s in enumerate(timeline)]
            lines.append(_polyline(points, color, f"{key} finished per second"))
    return _chart("Requests finished per second", x_top, y_top, _time_ticks(x_top),
                  lambda v: f"{v:g}", "time into the run", "per second", lines)


def _hit_ratio_chart(result: Mapping[str, Any]) -> str:
    """Hits / (hits + misses) per second; seconds with neither break the line."""
    timeline = _timeline(result)
    x_top = max(1, len(timeline))
    runs: list[list[tuple[float, float]]] = [[]]
    for t, s in enumerate(timeline):
        looked_up = s["hits"] + s["misses"]
        if looked_up:
            runs[-1].append(_plot(t + 0.5, 100 * s["hits"] / looked_up, x_top, 100))
        elif runs[-1]:
            runs.append([])
    lines = [_polyline(run, _PALETTE[2], "hit ratio per second") for run in runs if run]
    return _chart("Hit ratio per second", x_top, 100, _time_ticks(x_top), lambda v: f"{v:g}%",
                  "time into the run", "hit ratio", lines)


# -- map ---------------------------------------------------------------------------------------

def _project(lat: float, lon: float) -> tuple[float, float]:
    return (lon + 180) / 360 * _MAP_W, (90 - lat) / 180 * _MAP_H


def _route(viewer: Mapping[str, Any], pop: Mapping[str, Any], color: str) -> str:
    """A straight line from a viewer's city to its PoP, or two through the map's sides when the
    short way crosses the 180th meridian (Alaska to Tokyo goes west, not across the map)."""
    (x1, y1), (x2, y2) = _project(viewer["lat"], viewer["lon"]), _project(pop["lat"], pop["lon"])
    style = f'stroke="{color}" stroke-opacity="0.45" stroke-width="1"'
    if abs(viewer["lon"] - pop["lon"]) <= 180:
        return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>'
    shift = _MAP_W if x1 < x2 else -_MAP_W
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2 - shift:.1f}" y2="{y2:.1f}" {style}/>'
            f'<line x1="{x1 + shift:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>')


def _world_map(result: Mapping[str, Any], colors: Mapping[str, str]) -> str:
    viewers: list[Mapping[str, Any]] = result.get("viewers") or []
    pops: Mapping[str, Mapping[str, Any]] = result.get("pops") or {}
    parts = [_svg_open(_MAP_W, _MAP_H, "Viewers and the PoPs that served them"),
             f'<rect width="{_MAP_W}" height="{_MAP_H}" fill="#eef4f8"/>']
    for lon in range(-180, 181, 30):
        x, _ = _project(0, lon)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{_MAP_H}" stroke="#d5e0e8"/>')
    for lat in range(-90, 91, 30):
        _, y = _project(lat, 0)
        stroke = "#b8c8d4" if lat == 0 else "#d5e0e8"
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{_MAP_W}" y2="{y:.1f}" stroke="{stroke}"/>'
                     f'<text x="4" y="{y - 3:.1f}">{lat}°</text>')
    parts += [_route(v, pops[v["pop"]], colors.get(v["region"], "#888"))
              for v in viewers if v.get("pop") in pops]
    most = max((v["requests"] for v in viewers), default=1) or 1
    for v in sorted(viewers, key=lambda v: -v["requests"]):  # small dots on top of big ones
        x, y = _project(v["lat"], v["lon"])
        radius = 2 + 10 * math.sqrt(v["requests"] / most)
        served = f" → {v['pop']}" if v.get("pop") else " (no response)"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
            f'fill="{colors.get(v["region"], "#888")}" fill-opacity="0.7" stroke="#fff">'
            f'<title>{_e(v["city"])}, {_e(v["country"])} ({_e(v["region"])}): '
            f'{_e(counted(v["requests"], "request"))}{_e(served)}</title></circle>')
    by_pop = result["stats"]["by_pop"]
    for pop_id, pop in sorted(pops.items()):
        x, y = _project(pop["lat"], pop["lon"])
        served = by_pop.get(pop_id, {}).get("requests", 0)
        fill, text = ("#111", "#111") if served else ("none", "#999")
        parts.append(
            f'<g><rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{fill}" '
            f'stroke="{text}" stroke-width="1.5"/>'
            f'<text x="{x + 6:.1f}" y="{y - 5:.1f}" style="fill:{text}">{_e(pop_id)}</text>'
            f"<title>{_e(pop_id)} ({_e(pop['city'])}, {_e(pop['country'])}): "
            f"{_e(counted(served, 'request'))}</title></g>")
    parts.append("</svg>")
    return "".join(parts)
