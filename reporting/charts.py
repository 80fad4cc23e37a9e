"""Server-side SVG charts of the performance page: lines placed by date, and heat-map cell classes.

``valuepartner.charts.line_chart`` places one series by index; here several series (an account and
its benchmark, whose dates may differ) share one date axis, so x is the calendar day.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from valuepartner.charts import Frame, downsample, nice_ticks

# Points per line: a 720-unit-wide chart shows no more detail than this, and the page stays small.
MAX_POINTS = 360
# Heat-map colour steps: a monthly return of 2 % or more (or -2 % or less) gets the strongest shade.
HEAT_STEP = 0.005
HEAT_LEVELS = 4
DEFAULT_FRAME = Frame()


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[dt.date, float]]
    css_class: str  # "series-0", "series-1": stroke colours in reporting.css


def date_line_chart(
    lines: Sequence[Line],
    *,
    label: str,
    format_value: Callable[[float], str],
    baseline: float | None = None,
    frame: Frame = DEFAULT_FRAME,
) -> SafeString:
    """An SVG with one path per line on a shared date axis, value gridlines and an optional baseline."""
    lines = [line for line in lines if line.points]
    if not lines:
        return mark_safe(f'<p class="empty">{escape(label)}: not enough values.</p>')  # noqa: S308 - escaped
    first_day = min(line.points[0][0] for line in lines)
    last_day = max(line.points[-1][0] for line in lines)
    values = [value for line in lines for _, value in line.points]
    low, high = min(values), max(values)
    if baseline is not None:
        low, high = min(low, baseline), max(high, baseline)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad
    plot_w = frame.width - frame.left - frame.right
    plot_h = frame.height - frame.top - frame.bottom
    origin, span = first_day.toordinal(), max(last_day.toordinal() - first_day.toordinal(), 1)

    def x(day: dt.date) -> float:
        return frame.left + plot_w * (day.toordinal() - origin) / span

    def y(value: float) -> float:
        return frame.top + plot_h * (1 - (value - low) / (high - low))

    parts = []
    for tick in nice_ticks(low, high):
        ty = y(tick)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{ty:.1f}" y2="{ty:.1f}" class="chart-grid"/>'
            f'<text x="{frame.left - 6}" y="{ty + 4:.1f}" text-anchor="end" class="chart-tick">'
            f"{escape(format_value(tick))}</text>"
        )
    if baseline is not None:
        by = y(baseline)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{by:.1f}" y2="{by:.1f}" '
            'class="chart-baseline"/>'
        )
    for line in lines:
        kept = downsample(line.points, MAX_POINTS)
        path = "M" + " L".join(f"{x(day):.1f},{y(value):.1f}" for day, value in kept)
        title = f"<title>{escape(line.label)}</title>"
        parts.append(f'<path d="{path}" class="chart-series {line.css_class}" fill="none">{title}</path>')
    return mark_safe(  # noqa: S308 - every text inside is escaped
        f'<svg class="chart chart-line" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{escape(label)}, {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}" preserveAspectRatio="none">'
        f"{''.join(parts)}"
        f'<text x="{frame.left}" y="{frame.height - 8}" class="chart-tick">{first_day:%Y-%m-%d}</text>'
        f'<text x="{frame.width - frame.right}" y="{frame.height - 8}" text-anchor="end" class="chart-tick">'
        f"{last_day:%Y-%m-%d}</text>"
        "</svg>"
    )


def heat_class(value: float | None) -> str:
    """CSS class of a heat-map cell: ``heat-up-1..4`` / ``heat-down-1..4`` by size, ``heat-flat`` near 0."""
    if value is None or not math.isfinite(value):
        return "heat-none"
    level = min(HEAT_LEVELS, int(abs(value) / HEAT_STEP))
    if level == 0:
        return "heat-flat"
    return f"heat-{'up' if value > 0 else 'down'}-{level}"


@dataclass(frozen=True)
class BarFrame:
    width: int = 720
    row_height: int = 28
    label_width: int = 150
    value_width: int = 70
    top: int = 8
    bottom: int = 8


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    label: str,
    format_value: Callable[[float], str],
    frame: BarFrame = BarFrame(),
) -> SafeString:
    """Horizontal bars around a zero line, one row per ``(name, value)``: positive right, negative left.

    The scale is symmetric (the largest absolute value reaches the edge) so signs read at a glance;
    non-finite values are drawn as an empty row with a dash.
    """
    if not items:
        return mark_safe(f'<p class="empty">{escape(label)}: nothing to show.</p>')  # noqa: S308 - escaped
    finite = [abs(value) for _, value in items if math.isfinite(value)]
    reach = max(finite, default=0.0) or 1.0
    # Room for a value's text on both sides of the bars, and the names left of all of it.
    plot_left = frame.label_width + frame.value_width
    plot_w = frame.width - plot_left - frame.value_width
    zero = plot_left + plot_w / 2
    height = frame.top + frame.bottom + frame.row_height * len(items)
    parts = [f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{frame.top}" y2="{height - frame.bottom}" class="bar-zero"/>']
    for i, (name, value) in enumerate(items):
        y = frame.top + i * frame.row_height
        middle = y + frame.row_height / 2 + 4
        parts.append(
            f'<text x="{frame.label_width - 8}" y="{middle:.1f}" text-anchor="end" class="chart-tick">'
            f"{escape(name)}</text>"
        )
        if not math.isfinite(value):
            parts.append(f'<text x="{zero + 6:.1f}" y="{middle:.1f}" class="chart-tick">—</text>')
            continue
        length = plot_w / 2 * abs(value) / reach
        x = zero if value >= 0 else zero - length
        css = "bar-positive" if value >= 0 else "bar-negative"
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 5}" width="{max(length, 0.5):.1f}" height="{frame.row_height - 10}" '
            f'class="{css}"><title>{escape(name)}: {escape(format_value(value))}</title></rect>'
        )
        text_x = zero + length + 6 if value >= 0 else zero - length - 6
        anchor = "start" if value >= 0 else "end"
        parts.append(
            f'<text x="{text_x:.1f}" y="{middle:.1f}" text-anchor="{anchor}" class="chart-tick">'
            f"{escape(format_value(value))}</text>"
        )
    return mark_safe(  # noqa: S308 - every text inside is escaped
        f'<svg class="chart chart-bars" viewBox="0 0 {frame.width} {height}" role="img" '
        f'aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )
