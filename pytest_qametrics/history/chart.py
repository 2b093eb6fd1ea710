"""A small self-contained SVG line chart of one statistic over runs, for ``history trend``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from pytest_qametrics.history.records import TrendPoint

__all__ = ["line_chart"]

_WIDTH, _HEIGHT = 640, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 16, 32, 40


def _scale(low: float, high: float, start: float, stop: float) -> Callable[[float], float]:
    span = high - low or 1.0
    return lambda value: start + (value - low) / span * (stop - start)


def line_chart(points: Sequence[TrendPoint], title: str, show: Callable[[float], str] = str) -> str:
    """An SVG document: the values over run ids, each point titled with its run and value."""
    if not points:
        raise ValueError("a trend chart needs at least one run")
    values = [p.value for p in points]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    x = _scale(0, max(len(points) - 1, 1), _LEFT, _WIDTH - _RIGHT)
    y = _scale(low, high, _HEIGHT - _BOTTOM, _TOP)
    coords = [(x(i), y(p.value)) for i, p in enumerate(points)]
    line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label={quoteattr(title)} '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#fff"/>',
        f'<text x="{_LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_HEIGHT - _BOTTOM}" stroke="#999"/>',
        f'<line x1="{_LEFT}" y1="{_HEIGHT - _BOTTOM}" x2="{_WIDTH - _RIGHT}" '
        f'y2="{_HEIGHT - _BOTTOM}" stroke="#999"/>',
    ]
    for value in (low + pad, high - pad):
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(show(value))}</text>"
        )
    parts.append(f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{line}"/>')
    for (cx, cy), point in zip(coords, points, strict=True):
        tip = f"run {point.run} ({point.started}): {show(point.value)}"
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#2563eb">'
            f"<title>{escape(tip)}</title></circle>"
        )
    step = max(1, len(points) // 10)
    for index in range(0, len(points), step):
        parts.append(
            f'<text x="{coords[index][0]:.1f}" y="{_HEIGHT - _BOTTOM + 16}" '
            f'text-anchor="middle">{points[index].run}</text>'
        )
    parts.append(
        f'<text x="{(_LEFT + _WIDTH - _RIGHT) / 2:.0f}" y="{_HEIGHT - 6}" '
        'text-anchor="middle" fill="#555">run</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
