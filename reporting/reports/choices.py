from django.db import models


class ReportSubject(models.TextChoices):
    ACCOUNT = "account", "Account"
    HOUSEHOLD = "household", "Household"


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually"


# Months that end a period of each frequency (the report covers the period that just ended).
PERIOD_MONTHS = {
    ReportFrequency.MONTHLY: 1,
    ReportFrequency.QUARTERLY: 3,
    ReportFrequency.ANNUALLY: 12,
}

JOB_KIND = "report"
