"""Inline SVG charts for the HTML report: horizontal bars for counts by name, a histogram."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
_BAR = "#4a78b0"


def bar_chart(counts: Mapping[str, int | float], *, title: str, width: int = 640) -> str:
    """One horizontal bar per name, longest first as given, with its value at the bar's end."""
    if not counts:
        return ""
    row, label_w, value_w = 20, min(260, 12 + 7 * max(len(k) for k in counts)), 60
    top = max(counts.values()) or 1
    span = width - label_w - value_w
    height = row * len(counts) + 8
    parts = [_open(width, height, title)]
    for i, (name, value) in enumerate(counts.items()):
        y = 4 + i * row
        w = max(1.0, span * value / top) if value else 0.0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(str(name))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{_BAR}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(counts: Mapping[int, int], *, title: str, x_label: str, width: int = 640) -> str:
    """Vertical bars for integer bins (every bin from the smallest to the largest, empty ones too)."""
    if not counts:
        return ""
    low, high = min(counts), max(counts)
    bins = list(range(low, high + 1))
    top = max(counts.values()) or 1
    left, bottom, plot_h = 48, 34, 160
    bar_w = (width - left - 8) / len(bins)
    height = plot_h + bottom + 8
    parts = [_open(width, height, title)]
    parts.append(f'<text x="4" y="14">{_number(top)}</text><text x="4" y="{plot_h + 8}">0</text>')
    step = max(1, len(bins) // 12)
    for i, b in enumerate(bins):
        h = plot_h * counts.get(b, 0) / top
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{8 + plot_h - h:.1f}" width="{max(1.0, bar_w - 2):.1f}" '
            f'height="{h:.1f}" fill="{_BAR}"><title>{b}: {counts.get(b, 0)}</title></rect>'
        )
        if i % step == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{plot_h + 22}" text-anchor="middle">{b}</text>')
    parts.append(
        f'<text x="{left + (width - left) / 2:.0f}" y="{height - 2}" text-anchor="middle">'
        f"{escape(x_label)}</text></svg>"
    )
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {_FONT}>'
        f"<title>{escape(title)}</title>"
    )


def _number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.3g}"
