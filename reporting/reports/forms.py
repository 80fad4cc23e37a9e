"""Forms of the reports pages: the period of a report to produce, and a client's schedule."""

from django import forms

from ..periods import PeriodKey
from .choices import ReportFrequency

FEES = (("true", "Net of fees"), ("false", "Gross of fees"))


def _as_bool(value) -> bool:
    return value in (True, "true", "True", "1")


class GenerateReportForm(forms.Form):
    period = forms.ChoiceField(choices=PeriodKey.choices, initial=PeriodKey.QTD)
    start = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Custom range only."
    )
    end = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="As-of day; the last valued day when empty.",
    )
    net = forms.TypedChoiceField(label="Fees", choices=FEES, coerce=_as_bool, initial="true")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if cleaned.get("period") == PeriodKey.CUSTOM and start is None and "start" not in self.errors:
            self.add_error("start", "A custom range needs a start.")
        if start and end and start > end:
            self.add_error("start", "Choose a day on or before the end.")
        return cleaned


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=ReportFrequency.choices,
        initial=ReportFrequency.QUARTERLY,
        help_text="Each report covers the month, quarter or year that has just ended.",
    )
    net = forms.TypedChoiceField(label="Fees", choices=FEES, coerce=_as_bool, initial="true")
