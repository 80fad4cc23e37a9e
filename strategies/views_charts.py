"""Server-side SVG pieces the strategy pages need beyond reporting.charts: the regime timeline."""

import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models.choices import Regime

REGIME_CLASSES = {value: f"regime-{value}" for value in Regime.values}
WIDTH, HEIGHT, LEFT, RIGHT = 720, 56, 8, 8


def regime_timeline(spans: Sequence, *, label: str = "Volatility regimes") -> SafeString:
    """One coloured band per span (objects with regime, start, end, sessions) on a date axis."""
    if not spans:
        return mark_safe(f'<p class="empty">{escape(label)}: none stored.</p>')  # noqa: S308 - escaped
    first, last = spans[0].start, spans[-1].end
    origin, span_days = first.toordinal(), max(last.toordinal() - first.toordinal() + 1, 1)
    plot = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        return LEFT + plot * (day.toordinal() - origin) / span_days

    parts = []
    for span in spans:
        x0, x1 = x(span.start), x(span.end + dt.timedelta(days=1))
        title = f"{Regime(span.regime).label}: {span.start:%Y-%m-%d} to {span.end:%Y-%m-%d} ({span.sessions} sessions)"
        parts.append(
            f'<rect x="{x0:.1f}" y="4" width="{max(x1 - x0, 0.5):.1f}" height="28" '
            f'class="{REGIME_CLASSES[span.regime]}"><title>{escape(title)}</title></rect>'
        )
    return mark_safe(  # noqa: S308 - every text inside is escaped
        f'<svg class="chart chart-regimes" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" preserveAspectRatio="none" '
        f'aria-label="{escape(label)}, {first:%Y-%m-%d} to {last:%Y-%m-%d}">{"".join(parts)}'
        f'<text x="{LEFT}" y="{HEIGHT - 6}" class="chart-tick">{first:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" class="chart-tick">{last:%Y-%m-%d}</text>'
        "</svg>"
    )
