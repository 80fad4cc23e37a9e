"""Who a report is about: one account, or a household's accounts that the requesting user may see.

A household report covers the household's accounts in the user's scope, exactly like the household
performance page; its figures come from ``reporting.selectors.household_performance``.
"""

import datetime as dt
from dataclasses import dataclass

from portfolios.models import Account, Household
from portfolios.selectors import accounts_visible_to

from ..periods import PeriodKey
from ..selectors import PerformanceReport, account_performance, household_performance
from .choices import ReportSubject


@dataclass(frozen=True)
class Subject:
    kind: str  # ReportSubject
    account: Account | None
    household: Household
    accounts: tuple[Account, ...]  # covered by the report, in scope of the user, by name
    user: object  # whose scope the household's accounts are read in

    @property
    def obj(self) -> Account | Household:
        return self.account if self.kind == ReportSubject.ACCOUNT else self.household

    @property
    def name(self) -> str:
        return self.account.name if self.kind == ReportSubject.ACCOUNT else self.household.name

    @property
    def firm_id(self) -> int:
        return self.household.firm_id

    def performance(
        self,
        *,
        period: str = PeriodKey.INCEPTION,
        start: dt.date | None = None,
        end: dt.date | None = None,
        net: bool = True,
    ) -> PerformanceReport:
        """The report's period measured by the one selector the pages and API use."""
        if self.kind == ReportSubject.ACCOUNT:
            return account_performance(self.account, period=period, start=start, end=end, net=net)
        return household_performance(self.household, user=self.user, period=period, start=start, end=end, net=net)


def account_subject(account: Account, *, user) -> Subject:
    """``account`` already looked up through ``accounts_visible_to(user)``."""
    return Subject(
        kind=ReportSubject.ACCOUNT,
        account=account,
        household=account.client.household,
        accounts=(account,),
        user=user,
    )


def household_subject(household: Household, *, user) -> Subject:
    """``household`` already looked up through ``households_visible_to(user)``."""
    accounts = tuple(accounts_visible_to(user).filter(client__household=household).order_by("name", "pk"))
    return Subject(kind=ReportSubject.HOUSEHOLD, account=None, household=household, accounts=accounts, user=user)
