"""Server-side SVG charts: a line chart for value history and a donut for allocations.

The markup is built here in one pass (no per-point template work) and scales with its viewBox, so
pages stay fast and work without scripts. Labels are escaped; numbers come from our own data.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A fixed palette that reads on white and in greyscale print; slices beyond it reuse colours.
PALETTE = (
    "#2563eb",
    "#16a34a",
    "#f59e0b",
    "#dc2626",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#4b5563",
    "#0d9488",
    "#9333ea",
)


def downsample(points: Sequence, limit: int) -> list:
    """At most ``limit`` points, evenly strided, always keeping the first and the last."""
    if len(points) <= limit:
        return list(points)
    stride = math.ceil((len(points) - 1) / (limit - 1))
    kept = list(points[::stride])
    if kept[-1] is not points[-1]:
        kept.append(points[-1])
    return kept


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(value)
        value += step
    return ticks


@dataclass(frozen=True)
class Frame:
    width: int = 720
    height: int = 260
    left: int = 64
    right: int = 12
    top: int = 12
    bottom: int = 28


def line_chart(
    points: Sequence[tuple[dt.date, float]],
    *,
    label: str,
    format_value: Callable[[float], str],
    frame: Frame = Frame(),
) -> SafeString:
    """An SVG line (and area) of ``points`` with value gridlines and first/last dates on the x axis."""
    if not points:
        return mark_safe(  # noqa: S308 - every text inside is escaped
            f'<p class="empty">{escape(label)}: no values yet.</p>'
        )
    values = [value for _, value in points]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad
    plot_w = frame.width - frame.left - frame.right
    plot_h = frame.height - frame.top - frame.bottom
    span = max(len(points) - 1, 1)

    def x(index: int) -> float:
        return frame.left + plot_w * index / span

    def y(value: float) -> float:
        return frame.top + plot_h * (1 - (value - low) / (high - low))

    line = "M" + " L".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    bottom = frame.top + plot_h
    area = f"{line} L{x(len(values) - 1):.1f},{bottom} L{x(0):.1f},{bottom} Z"
    grid = []
    for tick in nice_ticks(low, high):
        ty = y(tick)
        grid.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{ty:.1f}" y2="{ty:.1f}" class="chart-grid"/>'
            f'<text x="{frame.left - 6}" y="{ty + 4:.1f}" text-anchor="end" class="chart-tick">'
            f"{escape(format_value(tick))}</text>"
        )
    first_day, last_day = points[0][0], points[-1][0]
    return mark_safe(  # noqa: S308 - every text inside is escaped
        f'<svg class="chart chart-line" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{escape(label)}, {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}" preserveAspectRatio="none">'
        f"{''.join(grid)}"
        f'<path d="{area}" class="chart-area"/>'
        f'<path d="{line}" class="chart-stroke" fill="none"/>'
        f'<text x="{frame.left}" y="{frame.height - 8}" class="chart-tick">{first_day:%Y-%m-%d}</text>'
        f'<text x="{frame.width - frame.right}" y="{frame.height - 8}" text-anchor="end" class="chart-tick">'
        f"{last_day:%Y-%m-%d}</text>"
        "</svg>"
    )


@dataclass(frozen=True)
class Slice:
    label: str
    weight: float
    color: str


def donut_slices(items: Sequence[tuple[str, float]]) -> list[Slice]:
    return [Slice(label, weight, PALETTE[i % len(PALETTE)]) for i, (label, weight) in enumerate(items)]


def donut_chart(slices: Sequence[Slice], *, label: str, size: int = 160) -> SafeString:
    """An SVG donut of ``slices`` (weights summing to about 1); the caller shows the legend."""
    if not slices:
        return mark_safe(  # noqa: S308 - every text inside is escaped
            f'<p class="empty">{escape(label)}: nothing held.</p>'
        )
    radius, hole = size / 2, size / 2 * 0.6
    center = size / 2
    parts = []
    total = sum(s.weight for s in slices) or 1.0
    angle = -math.pi / 2
    for piece in slices:
        sweep = 2 * math.pi * piece.weight / total
        title = f"<title>{escape(piece.label)}: {piece.weight * 100:.1f} %</title>"
        if sweep >= 2 * math.pi - 1e-9:
            parts.append(
                f'<circle cx="{center}" cy="{center}" r="{(radius + hole) / 2:.2f}" fill="none" '
                f'stroke="{piece.color}" stroke-width="{radius - hole:.2f}">{title}</circle>'
            )
            break
        end = angle + sweep
        large = 1 if sweep > math.pi else 0
        x0, y0 = center + radius * math.cos(angle), center + radius * math.sin(angle)
        x1, y1 = center + radius * math.cos(end), center + radius * math.sin(end)
        x2, y2 = center + hole * math.cos(end), center + hole * math.sin(end)
        x3, y3 = center + hole * math.cos(angle), center + hole * math.sin(angle)
        path = (
            f"M{x0:.2f},{y0:.2f} A{radius},{radius} 0 {large} 1 {x1:.2f},{y1:.2f} "
            f"L{x2:.2f},{y2:.2f} A{hole},{hole} 0 {large} 0 {x3:.2f},{y3:.2f} Z"
        )
        parts.append(f'<path d="{path}" fill="{piece.color}">{title}</path>')
        angle = end
    return mark_safe(  # noqa: S308 - every text inside is escaped
        f'<svg class="chart chart-donut" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )
