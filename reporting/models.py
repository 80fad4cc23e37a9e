"""The reporting app's models live with the reports package; Django finds them here."""

from .reports.models import Report, ReportSchedule

__all__ = ["Report", "ReportSchedule"]
