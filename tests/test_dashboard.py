"""The dashboard each role lands on, and the page frame (navigation, user menu) around it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdvisorFactory, ClientUserFactory, ComplianceFactory, OperatorFactory
from compliance.services import record_event
from marketdata.tests.factories import ProviderStatusFactory
from portfolios.services import update_household
from portfolios.tests.factories import ClientFactory, HouseholdFactory
from valuepartner.testing.otp import login_verified

DASHBOARD = reverse("dashboard")


def sign_in(client, user):
    """Operators must have passed the second factor; the others only need a session."""
    if user.is_operator:
        login_verified(client, user)
    else:
        client.force_login(user)


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<ul class="main-nav">.*?</ul>', html, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    """The dashboard is behind sign-in: an anonymous request redirects to the login page."""
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_advisor_dashboard_shows_book_counts_households_and_own_activity(client, advisor, other_advisor):
    """An advisor sees their own households (with client counts) and the audit events they caused,
    and nothing from another advisor's book."""
    mine = HouseholdFactory(advisor=advisor, name="Ashford Family")
    ClientFactory.create_batch(3, household=mine)
    HouseholdFactory(advisor=other_advisor, name="Somebody Else Trust")
    update_household(actor=advisor, household=mine, notes="Annual review booked")
    sign_in(client, advisor)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ashford Family" in html
    assert "Somebody Else Trust" not in html
    stats = dict(re.findall(r'<span class="stat-value">([^<]+)</span> <span class="stat-label">([^<]+)</span>', html))
    assert stats == {"1": "Households", "3": "Clients", "0": "Accounts", "0.00": "Assets under management"}
    assert '<td class="num">3</td>' in html
    assert "household.updated" in html
    assert nav_labels(html) == ["Dashboard", "Households", "Clients", "Accounts", "Models", "Orders", "Strategies"]


def test_operator_dashboard_shows_firm_users_and_sign_in_failures(client, operator, advisor, other_firm):
    """An operator sees users per role, the firm's book size and recent failed or locked-out
    sign-ins of their firm only, plus the Admin link."""
    ComplianceFactory(firm=operator.firm)
    HouseholdFactory.create_batch(2, advisor=advisor)
    record_event(action="auth.sign_in_failed", firm_id=operator.firm_id, actor_label="mallory.guess")
    record_event(action="auth.locked_out", firm_id=operator.firm_id, actor_label="mallory.locked")
    record_event(action="auth.sign_in_failed", firm_id=other_firm.pk, actor_label="elsewhere.user")
    record_event(action="household.created", firm_id=operator.firm_id, actor_label="not.a.failure")
    sign_in(client, operator)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "mallory.guess" in html
    assert "mallory.locked" in html
    assert "Locked out" in html
    assert "elsewhere.user" not in html
    assert "not.a.failure" not in html
    stats = re.findall(r'<span class="stat-value">([^<]+)</span> <span class="stat-label">([^<]+)</span>', html)
    assert ("1", "Operators") in stats
    assert ("1", "Advisors") in stats
    assert ("1", "Compliance officers") in stats
    assert ("2", "Households") in stats
    assert nav_labels(html) == [
        "Dashboard",
        "Households",
        "Clients",
        "Accounts",
        "Models",
        "Orders",
        "Strategies",
        "Admin",
    ]
    assert f'href="{reverse("admin:index")}"' in html


def test_operator_dashboard_shows_market_data_provider_health(client, operator):
    """Operators see each price provider's circuit breaker: an open breaker is called out with its
    last error class, a healthy one as healthy."""
    ProviderStatusFactory(name="alpaca", state="open", consecutive_failures=5, last_error_class="ReadTimeout")
    ProviderStatusFactory(name="bundled", state="closed")
    sign_in(client, operator)

    html = client.get(DASHBOARD).content.decode()

    assert "Market data providers" in html
    assert "Open: skipped" in html
    assert "ReadTimeout" in html
    assert "Healthy" in html


def test_compliance_dashboard_shows_firm_audit_trail_read_only(client, compliance_officer, advisor, other_firm):
    """Compliance sees every recent audit event of the firm (not another firm's), is told the
    access is read-only, and is offered no create buttons."""
    household = HouseholdFactory(advisor=advisor, name="Brightwater Household")
    update_household(actor=advisor, household=household, notes="Changed by the advisor")
    record_event(action="household.updated", firm_id=other_firm.pk, actor_label="other.firm.user")
    sign_in(client, compliance_officer)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Brightwater Household" in html
    assert advisor.username in html
    assert "other.firm.user" not in html
    assert "read-only" in html
    assert reverse("portfolios:household-create") not in html
    assert nav_labels(html) == [
        "Dashboard",
        "Households",
        "Clients",
        "Accounts",
        "Models",
        "Orders",
        "Strategies",
        "Restricted list",
    ]


def test_client_dashboard_shows_their_household_and_profile(client, client_user, advisor):
    """A client sees their own household, advisor and profile, no book navigation and no
    Security link (clients do not enrol a second factor)."""
    household = HouseholdFactory(advisor=advisor, name="Carrow Household")
    ClientFactory(household=household, user=client_user, first_name="Dana", last_name="Carrow", phone="555-0101")
    ClientFactory(household=HouseholdFactory(advisor=advisor, name="Not Theirs"))
    sign_in(client, client_user)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Carrow Household" in html
    assert "Dana Carrow" in html
    assert "555-0101" in html
    assert advisor.get_full_name() in html
    assert "Not Theirs" not in html
    assert nav_labels(html) == ["Dashboard"]
    assert reverse("accounts:two_factor") not in html


def test_client_without_profile_is_told_so(client, firm):
    """A client sign-in not yet linked to a client record gets an explanation, not an error."""
    sign_in(client, ClientUserFactory(firm=firm))

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert "No client profile is linked" in response.content.decode()


def test_page_frame_is_responsive_and_signs_out_by_post(client, advisor):
    """Every page has the mobile viewport, the menu button for small screens, local assets only,
    and a sign-out that is a POST form carrying the CSRF token."""
    sign_in(client, advisor)

    html = client.get(DASHBOARD).content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'aria-controls="site-menu"' in html
    assert "Value Partner" in html
    assert "/static/css/app.css" in html
    assert re.search(r'src="/static/vendor/htmx-[\d.]+\.min\.js"', html)
    sign_out = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert sign_out and sign_out.group(1) == reverse("accounts:logout")
    assert reverse("accounts:two_factor") in html
    assert reverse("accounts:password_change") in html


def test_flash_messages_are_rendered(client, advisor):
    """Messages queued by a view appear on the next page."""
    sign_in(client, advisor)

    response = client.post(reverse("portfolios:household-create"), {"name": "Delmar Family", "advisor": advisor.pk})
    html = client.get(response["Location"]).content.decode()

    assert 'class="message message-success"' in html
    assert "Household “Delmar Family” created." in html


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "viewer_factory", [AdvisorFactory, OperatorFactory, ComplianceFactory], ids=["advisor", "operator", "compliance"]
)
def test_dashboard_query_count_does_not_grow_with_the_book(client, firm, viewer_factory, django_assert_max_num_queries):
    """A dashboard costs the same number of queries for 5 households as for 50."""
    advisor = AdvisorFactory(firm=firm)
    viewer = advisor if viewer_factory is AdvisorFactory else viewer_factory(firm=firm)
    for household in HouseholdFactory.create_batch(5, advisor=advisor):
        ClientFactory(household=household)
        update_household(actor=advisor, household=household, notes="first pass")
    sign_in(client, viewer)
    baseline = _queries(client)

    for household in HouseholdFactory.create_batch(45, advisor=advisor):
        ClientFactory.create_batch(2, household=household)
        update_household(actor=advisor, household=household, notes="second pass")
    record_event(action="auth.sign_in_failed", firm_id=firm.pk, actor_label="someone")

    with django_assert_max_num_queries(baseline):
        client.get(DASHBOARD)


def test_client_dashboard_query_count_is_fixed(client, client_user, advisor, django_assert_max_num_queries):
    """The client dashboard reads the profile with its household and advisor in one go."""
    household = HouseholdFactory(advisor=advisor)
    ClientFactory(household=household, user=client_user)
    ClientFactory.create_batch(10, household=household)
    sign_in(client, client_user)
    baseline = _queries(client)
    HouseholdFactory.create_batch(20, advisor=advisor)

    with django_assert_max_num_queries(baseline):
        client.get(DASHBOARD)
