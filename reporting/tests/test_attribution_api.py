"""Attribution and factor-exposure API on accounts built through the real ledger and valuation."""

import datetime as dt

import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from marketdata.models import DailyBar
from portfolios.models import AccountValue
from reporting.returns import daily_returns

from .attribution_support import FIRST, LAST, SESSIONS, factor_account, invested_account

pytestmark = pytest.mark.django_db


def get(user, account, route, **query):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api.get(f"/api/v1/accounts/{account.pk}/{route}/", query)


def _twr(account, start, end):
    rows = list(
        AccountValue.objects.filter(account=account, date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("total_value", "net_external_flow")
    )
    values = np.array([float(v) for v, _ in rows])
    flows = np.array([float(f) for _, f in rows[1:]])
    return float(np.prod(1 + daily_returns(values, flows)) - 1)


def test_attribution_effects_add_up_and_the_portfolio_return_is_the_accounts(advisor):
    """Linked effects total the compounded active return, summed ones leave the stated residual, and
    the portfolio return is the account's TWR over the same days (no flows or trades in the range)."""
    account = invested_account(advisor)
    start, end = SESSIONS[1], SESSIONS[40]

    response = get(advisor, account, "attribution", start=start.isoformat(), end=end.isoformat())

    assert response.status_code == 200, response.json()
    body = response.json()
    sectors = {row["sector"]: row for row in body["sectors"]}
    assert set(sectors) == {"Cash", "Energy", "Health", "Tech"}
    assert body["sessions"] == 40
    assert sum(row["total_linked"] for row in body["sectors"]) == pytest.approx(body["active_return"], abs=1e-12)
    assert sum(row["total"] for row in body["sectors"]) == pytest.approx(body["summed_active_return"], abs=1e-12)
    assert body["residual"] == pytest.approx(body["active_return"] - body["summed_active_return"], abs=1e-15)
    assert body["portfolio_return"] == pytest.approx(_twr(account, SESSIONS[0], end), abs=1e-6)
    assert sectors["Energy"]["average_benchmark_weight"] == 0.0
    assert sectors["Health"]["selection"] == 0.0
    assert sectors["Cash"]["average_benchmark_weight"] == pytest.approx(0.1)


def test_one_day_attribution_matches_a_hand_calculation(advisor):
    """On one day the effects are the formulas on the previous close's weights and the day's returns."""
    account = invested_account(advisor)
    day, before = SESSIONS[5], SESSIONS[4]
    closes = {}
    for symbol in ("AAA", "BBB", "CCC"):
        closes[symbol] = {
            d: float(c)
            for d, c in DailyBar.objects.filter(instrument__symbol=symbol, date__in=[before, day]).values_list(
                "date", "close"
            )
        }
    value = AccountValue.objects.get(account=account, date=before)
    total = float(value.total_value)
    ret = {s: closes[s][day] / closes[s][before] - 1 for s in closes}
    wp = {"Tech": 40 * closes["AAA"][before] / total, "Energy": 30 * closes["BBB"][before] / total}
    wp["Cash"] = float(value.cash) / total
    wb = {"Tech": 0.5, "Health": 0.4, "Cash": 0.1}
    rb_total = 0.5 * ret["AAA"] + 0.4 * ret["CCC"]

    body = get(advisor, account, "attribution", start=day.isoformat(), end=day.isoformat()).json()

    sectors = {row["sector"]: row for row in body["sectors"]}
    assert body["benchmark_return"] == pytest.approx(rb_total)
    tech = sectors["Tech"]
    assert tech["allocation"] == pytest.approx((wp["Tech"] - wb["Tech"]) * (ret["AAA"] - rb_total))
    assert tech["selection"] == pytest.approx(0.0, abs=1e-15)
    assert sectors["Energy"]["allocation"] == pytest.approx(wp["Energy"] * (ret["BBB"] - rb_total))
    assert sectors["Health"]["allocation"] == pytest.approx(-0.4 * (ret["CCC"] - rb_total))
    assert sectors["Cash"]["allocation"] == pytest.approx((wp["Cash"] - 0.1) * (0 - rb_total))


def test_an_account_without_a_model_has_no_benchmark(advisor):
    """No model portfolio: a 400 with code no_benchmark in the standard error body."""
    account = invested_account(advisor, model=False)

    response = get(advisor, account, "attribution")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_benchmark"


@pytest.mark.parametrize("route", ["attribution", "factor-exposures"])
def test_bad_ranges_are_400s_with_field_errors(advisor, route):
    """A malformed date or a start after the end is `invalid` with the field named."""
    account = invested_account(advisor)

    malformed = get(advisor, account, route, start="2022-13-01")
    reversed_range = get(advisor, account, route, start=LAST.isoformat(), end=FIRST.isoformat())

    assert malformed.status_code == 400 and "start" in malformed.json()["error"]["fields"]
    assert reversed_range.status_code == 400
    assert reversed_range.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("route", ["attribution", "factor-exposures"])
def test_another_books_account_is_a_404(advisor, other_advisor, route):
    """An account outside the caller's book is not found, not forbidden."""
    account = invested_account(other_advisor)

    assert get(advisor, account, route).status_code == 404


def test_factor_exposures_of_an_account_holding_one_factor_etf(advisor):
    """All in MTUM: beta 1 on MTUM, about 0 elsewhere, R^2 about 1, one observation per day."""
    account = factor_account(advisor)

    response = get(advisor, account, "factor-exposures", start=FIRST.isoformat(), end=LAST.isoformat())

    assert response.status_code == 200, response.json()
    body = response.json()
    betas = {row["factor"]: row["beta"] for row in body["exposures"]}
    assert list(betas) == ["SPX", "MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    assert betas["MTUM"] == pytest.approx(1.0, abs=1e-3)
    assert all(abs(betas[s]) < 1e-3 for s in betas if s != "MTUM")
    assert body["r_squared"] == pytest.approx(1.0, abs=1e-6)
    assert body["observations"] == len(SESSIONS) - 1


def test_factor_exposures_need_sixty_days(advisor):
    """A month of history is too short: 400 too_few_observations."""
    account = factor_account(advisor)

    response = get(advisor, account, "factor-exposures", start=FIRST.isoformat(), end=dt.date(2022, 2, 1).isoformat())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_few_observations"


def test_household_factor_exposures_match_its_only_account(advisor):
    """A household of one account all in MTUM regresses to the account's own exposures."""
    account = factor_account(advisor)
    household_pk = account.client.household_id
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(advisor)}")
    period = {"period": "custom", "start": FIRST.isoformat(), "end": LAST.isoformat()}

    household = api.get(f"/api/v1/households/{household_pk}/factor-exposures/", period)
    alone = get(advisor, account, "factor-exposures", start=FIRST.isoformat(), end=LAST.isoformat())

    assert household.status_code == 200, household.json()
    body = household.json()
    assert body["household"] == household_pk
    betas = {row["factor"]: row["beta"] for row in body["exposures"]}
    assert betas == pytest.approx({row["factor"]: row["beta"] for row in alone.json()["exposures"]}, abs=1e-9)
    assert betas["MTUM"] == pytest.approx(1.0, abs=1e-3)
    assert body["observations"] == alone.json()["observations"]


def test_a_household_too_young_for_factor_exposures_is_a_coded_400(advisor):
    account = factor_account(advisor)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(advisor)}")
    period = {"period": "custom", "start": FIRST.isoformat(), "end": dt.date(2022, 2, 1).isoformat()}

    response = api.get(f"/api/v1/households/{account.client.household_id}/factor-exposures/", period)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_few_observations"


def test_the_schema_validates_with_both_endpoints(tmp_path):
    """`spectacular --validate --fail-on-warn` passes and lists both routes."""
    schema = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    text = schema.read_text()
    assert "/api/v1/accounts/{account_pk}/attribution/:" in text
    assert "/api/v1/accounts/{account_pk}/factor-exposures/:" in text
