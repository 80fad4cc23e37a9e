"""The dashboard every role lands on after sign-in, and the pages shown when a request goes wrong."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_GET

from accounts.choices import Role
from accounts.selectors import user_counts_by_role
from compliance.selectors import recent_events_for_actor, recent_firm_events, recent_sign_in_failures
from marketdata.selectors import provider_statuses
from portfolios.display import money
from portfolios.selectors import (
    accounts_out_of_band,
    accounts_visible_to,
    book_totals,
    clients_visible_to,
    households_visible_to,
    recently_updated_households,
)
from trading.selectors import broker_circuits, open_alerts_for

from .errors import error_body, is_api_request

RECENT_EVENTS = 10
RECENT_HOUSEHOLDS = 10


@dataclass(frozen=True)
class Stat:
    label: str
    value: str


def _count(value: int) -> str:
    return f"{value:,}"


def _book_stats(user) -> list[Stat]:
    return [
        Stat("Households", _count(households_visible_to(user).count())),
        Stat("Clients", _count(clients_visible_to(user).count())),
    ]


# "Clients" already names the client records on the same page; these are people who can sign in.
_USER_STAT_LABELS = {
    Role.OPERATOR: "Operators",
    Role.ADVISOR: "Advisors",
    Role.COMPLIANCE: "Compliance officers",
    Role.CLIENT: "Client sign-ins",
}


def _user_stats(user) -> list[Stat]:
    counts = user_counts_by_role(user)
    return [Stat(label, _count(counts[role])) for role, label in _USER_STAT_LABELS.items()]


def _accounts_out_of_band(user) -> list[dict]:
    return [{"account": account, "drift": f"{drift * 100:.2f} %"} for account, drift in accounts_out_of_band(user)]


def _account_stats(user) -> list[Stat]:
    totals = book_totals(accounts_visible_to(user))
    return [
        Stat("Accounts", _count(totals.accounts)),
        Stat("Assets under management", money(totals.assets_under_management)),
    ]


def _advisor_context(user) -> dict:
    return {
        "stats": _book_stats(user) + _account_stats(user),
        "out_of_band": _accounts_out_of_band(user),
        "households": recently_updated_households(user, RECENT_HOUSEHOLDS),
        "events": recent_events_for_actor(user, RECENT_EVENTS),
    }


def _operator_context(user) -> dict:
    return {
        "stats": _book_stats(user),
        "user_stats": _user_stats(user),
        "failures": recent_sign_in_failures(user, RECENT_EVENTS),
        "providers": list(provider_statuses()),
        "trading_alerts": list(open_alerts_for(user, limit=20)),
        "broker_circuits": list(broker_circuits()),
    }


def _compliance_context(user) -> dict:
    return {
        "stats": _book_stats(user),
        "user_stats": _user_stats(user),
        "events": recent_firm_events(user, RECENT_EVENTS),
    }


def _client_context(user) -> dict:
    profile = clients_visible_to(user).first()
    return {"profile": profile, "household": profile.household if profile else None}


_DASHBOARDS = {
    Role.ADVISOR: ("dashboard/advisor.html", _advisor_context),
    Role.OPERATOR: ("dashboard/operator.html", _operator_context),
    Role.COMPLIANCE: ("dashboard/compliance.html", _compliance_context),
    Role.CLIENT: ("dashboard/client.html", _client_context),
}


@login_required
@require_GET
def dashboard(request):
    template, build = _DASHBOARDS.get(request.user.role, _DASHBOARDS[Role.CLIENT])
    return render(request, template, build(request.user))


# --- Error pages -----------------------------------------------------------------------------
# The API gets the JSON error body; people get a page. 400 and 500 are rendered without the
# request's context processors: the request (or the database behind the user) may be what failed.
# The API handlers are imported on first use so the site's error pages never depend on the API
# package importing cleanly.


def bad_request(request, exception=None):
    message = "The request could not be understood."
    if is_api_request(request):
        return JsonResponse(error_body("bad_request", message), status=400)
    return _standalone("errors/400.html", status=400)


def permission_denied(request, exception=None):
    message = "You do not have permission to do this."
    if is_api_request(request):
        return JsonResponse(error_body("permission_denied", message), status=403)
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    if is_api_request(request):
        from valuepartner.api.handlers import api_not_found

        return api_not_found(request)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if is_api_request(request):
        from valuepartner.api.handlers import api_server_error

        return api_server_error(request)
    return _standalone("errors/500.html", status=500)


def _standalone(template_name: str, *, status: int) -> HttpResponse:
    return HttpResponse(loader.get_template(template_name).render(), status=status)
