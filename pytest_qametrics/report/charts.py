"""Inline SVG charts for the HTML report: pure functions from model data to escaped markup."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from pytest_qametrics.report.values import format_duration

__all__ = ["Marker", "bar_chart", "confusion_heatmap", "latency_chart"]

_WIDTH, _HEIGHT = 600, 240
_LEFT, _RIGHT, _BOTTOM = 46, 554, 212


@dataclass(frozen=True, slots=True)
class Marker:
    """An SLO drawn on a latency chart: its threshold line and where the statistic landed."""

    threshold: float
    label: str
    verdict: str
    observed: float | None = None
    #: The CDF level the statistic reads (0.95 for p95), None for means and maxima.
    quantile: float | None = None


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "middle") -> str:
    css_attr = f' class="{escape(css)}"' if css else ""
    return f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}"{css_attr}>{escape(text)}</text>'


def _svg(width: int, height: int, title: str, body: list[str], css: str) -> str:
    return (
        f'<svg class="chart {escape(css)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _ticks(low: float, high: float) -> list[float]:
    """Round durations (1-2-5 per decade) inside [low, high]; the ends when none fit."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for steps in ((1,), (1, 2, 5), tuple(range(1, 10))):
        ticks = [
            m * 10.0**e for e in range(first, last + 1) for m in steps if low <= m * 10.0**e <= high
        ]
        if len(ticks) >= 3:
            return ticks[:: max(1, math.ceil(len(ticks) / 8))]
    return [low, high]


#: The axis of a chart spans at most these seconds (values beyond are drawn at the edge), so
#: its ticks and logarithms stay finite for any finite sample, 1e-310 or 1e308.
_FLOOR, _CEILING = 1e-300, 1e300


class _LogAxis:
    def __init__(self, low: float, high: float) -> None:
        self.low, self.span = math.log10(low), max(math.log10(high) - math.log10(low), 1e-9)

    def __call__(self, value: float) -> float:
        clamped = min(max(value, _FLOOR), _CEILING)
        return _LEFT + (math.log10(clamped) - self.low) / self.span * (_RIGHT - _LEFT)


def _domain(histogram: Mapping[str, Any], markers: Sequence[Marker]) -> tuple[float, float]:
    values = [histogram["low"], histogram["high"]]
    values += [m.threshold for m in markers] + [m.observed or 0.0 for m in markers]
    positive = [v for v in values if v > 0]
    low, high = max(min(positive), _FLOOR), min(max(positive), _CEILING)
    high = max(high, low)
    pad = (high / low) ** 0.04 if high > low else 1.25
    return max(low / pad, _FLOOR), min(high * pad, _CEILING)


def _bars(edges: list[float], counts: list[int], x: _LogAxis, top: float, most: int) -> str:
    parts = []
    for i, count in enumerate(counts):
        if count:
            x0, x1 = x(edges[i]), x(edges[i + 1])
            y = _BOTTOM - max(count / most * (_BOTTOM - top), 1)
            parts.append(f"M{x0:.1f} {_BOTTOM}V{y:.1f}H{max(x1 - 0.8, x0 + 0.6):.1f}V{_BOTTOM}Z")
    return "".join(parts)


def _cdf_path(points: list[list[float]], x: _LogAxis, top: float) -> str:
    def level(q: float) -> float:
        return _BOTTOM - q * (_BOTTOM - top)

    path = [f"M{x(points[0][0]):.1f} {_BOTTOM}"]
    for value, q in points:
        path.append(f"H{x(value):.1f}V{level(q):.1f}")
    path.append(f"H{_RIGHT}")
    return "".join(path)


def _marker(marker: Marker, x: _LogAxis, top: float, row: int) -> list[str]:
    css = escape(f"mk mk-{marker.verdict}")  # every attribute value from data is escaped
    at = x(marker.threshold)
    anchor = "end" if at > _RIGHT - 90 else "start"
    shift = -4 if anchor == "end" else 4
    parts = [
        f'<path class="{css} mk-line" d="M{at:.1f} {top - 2}V{_BOTTOM}"/>',
        _text(at + shift, top - 6 - 13 * row, marker.label, f"{css} mk-label", anchor),
    ]
    if marker.observed is not None and marker.observed > 0:
        seen = x(marker.observed)
        if marker.quantile is not None:
            y = _BOTTOM - marker.quantile * (_BOTTOM - top)
            parts.append(f'<path class="{css} mk-guide" d="M{_LEFT} {y:.1f}H{seen:.1f}"/>')
            parts.append(f'<circle class="{css} mk-dot" cx="{seen:.1f}" cy="{y:.1f}" r="4"/>')
        tri = f"M{seen:.1f} {_BOTTOM + 1}l-5 8h10z"
        parts.append(f'<path class="{css} mk-dot" d="{tri}"/>')
    return parts


def _coarser(counts: list[int], factor: int) -> list[int]:
    return [sum(counts[i : i + factor]) for i in range(0, len(counts), factor)]


def latency_chart(
    distribution: Mapping[str, Any], markers: Sequence[Marker], title: str
) -> str | None:
    """Histogram bars (failed calls in red) and the CDF on one log time axis, SLOs drawn on it.

    Returns None when there is nothing to draw on a log axis (no positive sample).
    """
    histogram, points = distribution["histogram"], distribution["cdf"]
    if histogram["high"] <= 0:
        return None
    shown = [m for m in markers if m.threshold > 0][:3]
    top = 22 + 13 * max(len(shown), 1)
    low, high = _domain(histogram, shown)
    x = _LogAxis(low, high)
    counts, failed = histogram["counts"], histogram["failed"]
    total = sum(counts)
    factor = 4 if total < 100 else 2 if total < 400 else 1  # fewer, wider bars for few samples
    if len(counts) % factor == 0:
        counts, failed = _coarser(counts, factor), _coarser(failed, factor)
    bins = len(counts)
    ratio = histogram["high"] / histogram["low"]
    edges = [histogram["low"] * ratio ** (i / bins) for i in range(bins + 1)]
    most = max(max(counts), 1)
    body = [
        *(
            f'<path class="grid" d="M{_LEFT} {_BOTTOM - q * (_BOTTOM - top):.1f}H{_RIGHT}"/>'
            for q in (0.25, 0.5, 0.75, 1.0)
        ),
        f'<path class="bars" d="{_bars(edges, counts, x, top, most)}"/>',
        f'<path class="bars-failed" d="{_bars(edges, failed, x, top, most)}"/>',
        f'<path class="cdf" d="{_cdf_path(points, x, top)}"/>',
        f'<path class="axis" d="M{_LEFT} {_BOTTOM}H{_RIGHT}"/>',
    ]
    last = -100.0
    for tick in _ticks(low, high):
        at = x(tick)
        if at - last < 44:  # labels would overlap
            continue
        last = at
        body.append(f'<path class="axis" d="M{at:.1f} {_BOTTOM}v4"/>')
        body.append(_text(at, _BOTTOM + 18, format_duration(tick), "tick"))
    body.append(_text(_LEFT - 6, top + 4, f"{most:,}", "tick", "end"))
    body.append(_text(_LEFT - 6, _BOTTOM, "0", "tick", "end"))
    for q in (0.5, 1.0):
        body.append(
            _text(_RIGHT + 6, _BOTTOM - q * (_BOTTOM - top) + 4, f"{q:.0%}", "tick", "start")
        )
    for row, marker in enumerate(shown):
        body += _marker(marker, x, top, len(shown) - 1 - row)
    return _svg(_WIDTH, _HEIGHT, title, body, "latency")


def _short(label: str, room: int) -> str:
    return label if len(label) <= room else label[: max(room - 1, 1)] + "\u2026"


def confusion_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str) -> str:
    """Rows are actual labels, columns predicted; each cell shaded by its share of its row."""
    n = len(labels)
    cell = 44 if n <= 8 else max(16, 360 // n)
    room = max(len(label) for label in labels) if labels else 1
    left = min(8 + 7 * min(room, 22), 170)
    head = min(14 + 6 * min(room, 22), 150)
    width, height = left + cell * n + head // 2, head + cell * n + 10
    body = [
        _text(left + cell * n / 2, 12, "predicted \u2192", "axis-title"),
        f'<text class="axis-title" transform="translate(12 {head + cell * n / 2:.0f}) '
        f'rotate(-90)" text-anchor="middle">actual \u2192</text>',
    ]
    for j, label in enumerate(labels):
        cx = left + cell * j + cell / 2
        body.append(
            f'<text class="tick" transform="translate({cx + 4:.0f} {head - 6}) rotate(-45)">'
            f"{escape(_short(label, 22))}</text>"
        )
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        y = head + cell * i
        body.append(_text(left - 6, y + cell / 2 + 4, _short(labels[i], 22), "tick", "end"))
        for j, count in enumerate(row):
            share = count / total
            css = "hm-hit" if i == j else "hm-miss"
            opacity = 0.0 if count == 0 else 0.12 + 0.88 * share
            tip = f"actual {labels[i]}, predicted {labels[j]}: {count} ({share:.0%} of the row)"
            body.append(
                f'<rect class="hm-cell {css}" x="{left + cell * j}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill-opacity="{opacity:.2f}"><title>{escape(tip)}</title>'
                "</rect>"
            )
            if cell >= 24:
                ink = "hm-ink-light" if opacity > 0.6 else "hm-ink" if count else "hm-zero"
                body.append(
                    _text(left + cell * j + cell / 2 - 1, y + cell / 2 + 4, f"{count}", ink)
                )
    return _svg(width, height, title, body, "heatmap")


def bar_chart(
    counts: Mapping[str, int], title: str, tone: Callable[[str], str] = lambda _: "neutral"
) -> str:
    """Horizontal bars, largest first, each labelled with its count and share."""
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = sum(counts.values()) or 1
    most = max(counts.values(), default=1) or 1
    left, room, line = 190, 300, 24
    body = []
    for i, (name, count) in enumerate(rows):
        y = 6 + line * i
        length = max(count / most * room, 2)
        body.append(_text(left - 8, y + 15, _short(name, 26), "tick", "end"))
        body.append(
            f'<rect class="bar bar-{escape(tone(name))}" x="{left}" y="{y + 3}" '
            f'width="{length:.1f}" height="{line - 8}" rx="2">'
            f"<title>{escape(name)}: {count}</title></rect>"
        )
        body.append(
            _text(
                left + length + 6, y + 15, f"{count:,} \u00b7 {count / total:.0%}", "value", "start"
            )
        )
    return _svg(left + room + 90, 12 + line * max(len(rows), 1), title, body, "bars")


def sparkline(values: Sequence[float], title: str) -> str:
    """A small line of a statistic over the last runs, the latest run marked."""
    width, height, pad = 120, 28, 3
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [
        (pad + i * step, height - pad - (v - low) / span * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    body = [
        f'<polyline points="{line}" fill="none" class="spark"/>',
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" class="spark-last"/>',
    ]
    return _svg(width, height, title, body, "sparkline")
