"""Vector charts for the PDF report, drawn with ReportLab's graphics (no raster images, no browser).

Lines are placed by calendar day on a shared axis (the portfolio and its benchmark may have different
dates) and thinned to ``MAX_POINTS`` evenly strided points, first and last kept, as on the page.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String, Wedge
from reportlab.lib import colors

from valuepartner.charts import PALETTE, downsample, nice_ticks

from .book import Slice
from .content import ChartLine

MAX_POINTS = 400
SERIES_COLORS = (colors.HexColor("#2563eb"), colors.HexColor("#9ca3af"))
LOSS_COLOR = colors.HexColor("#dc2626")
GRID_COLOR = colors.HexColor("#e5e7eb")
TEXT_COLOR = colors.HexColor("#374151")
FONT = "Helvetica"


def _empty(width: float, height: float, text: str) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, strokeColor=GRID_COLOR, fillColor=None))
    drawing.add(
        String(width / 2, height / 2, text, fontName=FONT, fontSize=9, fillColor=TEXT_COLOR, textAnchor="middle")
    )
    return drawing


def line_chart(
    lines: Sequence[ChartLine],
    *,
    width: float,
    height: float,
    format_value: Callable[[float], str],
    baseline: float | None = None,
    fill_below: bool = False,
    line_colors: Sequence = SERIES_COLORS,
) -> Drawing:
    """Lines on a shared date axis with value gridlines, an optional baseline and a legend."""
    lines = [line for line in lines if len(line.dates) >= 2]
    if not lines:
        return _empty(width, height, "Not enough values for a chart.")
    left, right, top, bottom = 52.0, 8.0, 18.0 if len(lines) > 1 else 8.0, 20.0
    first = min(line.dates[0] for line in lines).toordinal()
    last = max(line.dates[-1] for line in lines).toordinal()
    span = max(last - first, 1)
    values = [v for line in lines for v in line.values if math.isfinite(v)]
    low, high = min(values), max(values)
    if baseline is not None:
        low, high = min(low, baseline), max(high, baseline)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: dt.date) -> float:
        return left + plot_w * (day.toordinal() - first) / span

    def y(value: float) -> float:
        return bottom + plot_h * (value - low) / (high - low)

    drawing = Drawing(width, height)
    for tick in nice_ticks(low, high):
        ty = y(tick)
        drawing.add(Line(left, ty, width - right, ty, strokeColor=GRID_COLOR, strokeWidth=0.5))
        drawing.add(
            String(
                left - 4, ty - 3, format_value(tick), fontName=FONT, fontSize=7, fillColor=TEXT_COLOR, textAnchor="end"
            )
        )
    if baseline is not None:
        by = y(baseline)
        drawing.add(Line(left, by, width - right, by, strokeColor=TEXT_COLOR, strokeWidth=0.6, strokeDashArray=[2, 2]))
    for index, line in enumerate(lines):
        color = line_colors[index % len(line_colors)]
        kept = downsample(list(zip(line.dates, line.values, strict=True)), MAX_POINTS)
        points = [coordinate for day, value in kept for coordinate in (x(day), y(value))]
        if fill_below and baseline is not None:
            by = y(baseline)
            area = [points[0], by, *points, points[-2], by]
            drawing.add(
                Polygon(area, fillColor=colors.Color(color.red, color.green, color.blue, 0.18), strokeColor=None)
            )
        drawing.add(PolyLine(points, strokeColor=color, strokeWidth=1.2 if index == 0 else 1.0))
    first_day, last_day = dt.date.fromordinal(first), dt.date.fromordinal(last)
    drawing.add(String(left, 6, first_day.isoformat(), fontName=FONT, fontSize=7, fillColor=TEXT_COLOR))
    drawing.add(
        String(
            width - right, 6, last_day.isoformat(), fontName=FONT, fontSize=7, fillColor=TEXT_COLOR, textAnchor="end"
        )
    )
    if len(lines) > 1:
        lx = left
        for index, line in enumerate(lines):
            color = line_colors[index % len(line_colors)]
            drawing.add(Line(lx, height - 8, lx + 14, height - 8, strokeColor=color, strokeWidth=2))
            drawing.add(String(lx + 18, height - 11, line.label, fontName=FONT, fontSize=8, fillColor=TEXT_COLOR))
            lx += 30 + 4.6 * len(line.label)
    return drawing


def donut_chart(slices: Sequence[Slice], *, size: float) -> Drawing:
    """A donut of the slices' weights (summing to about 1), colours in legend order (``PALETTE``)."""
    drawing = Drawing(size, size)
    pieces = [piece for piece in slices if piece.weight > 0]
    if not pieces:
        return _empty(size, size, "Nothing held.")
    center, radius, hole = size / 2, size / 2 - 2, (size / 2 - 2) * 0.58
    total = sum(piece.weight for piece in pieces)
    angle = 90.0
    for index, piece in enumerate(pieces):
        color = colors.HexColor(PALETTE[index % len(PALETTE)])
        sweep = 360.0 * piece.weight / total
        if sweep >= 359.999:
            drawing.add(Circle(center, center, radius, fillColor=color, strokeColor=None))
            break
        drawing.add(
            Wedge(
                center,
                center,
                radius,
                angle - sweep,
                angle,
                radius1=hole,
                fillColor=color,
                strokeColor=colors.white,
                strokeWidth=0.5,
            )
        )
        angle -= sweep
    drawing.add(Circle(center, center, hole, fillColor=colors.white, strokeColor=None))
    return drawing


def slice_color(index: int):
    return colors.HexColor(PALETTE[index % len(PALETTE)])
