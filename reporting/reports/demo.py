"""Demo report schedule: demo-advisor-1 has the Alvarez account's quarterly report scheduled.

Saved through ``save_schedule`` as the advisor, as the account's reports page does, so the schedule
has its celery-beat entry. No PDF is drawn here; the schedule (or the page) produces them. Idempotent:
an existing schedule of the account is left as it is (even paused).
"""

from accounts.models import User
from portfolios.models import Account

from .choices import ReportFrequency
from .models import ReportSchedule
from .schedule_services import save_schedule
from .subjects import account_subject

DEMO_ADVISOR = "demo-advisor-1"
DEMO_ACCOUNT = "Alvarez individual brokerage"


def seed_demo_reports(*, firm) -> ReportSchedule:
    account = Account.objects.select_related("client__household").get(client__household__firm=firm, name=DEMO_ACCOUNT)
    existing = ReportSchedule.objects.filter(account=account).first()
    if existing is not None:
        return existing
    advisor = User.objects.get(firm=firm, username=DEMO_ADVISOR)
    return save_schedule(
        actor=advisor, subject=account_subject(account, user=advisor), frequency=ReportFrequency.QUARTERLY
    )
