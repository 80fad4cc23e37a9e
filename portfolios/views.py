"""Household and client pages. Reads come from the scoped selectors, writes go to the services.

An object outside the user's scope is a 404 (the selector does not return it); a user who may see
it but not change it (compliance, clients) gets a 403 on the edit and create pages.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from compliance.selectors import recent_events_for_client, recent_events_for_household
from valuepartner.forms import submit_to_service

from . import services
from .forms import ClientForm, HouseholdForm
from .selectors import clients_matching, clients_visible_to, households_matching, households_visible_to
from .views_accounts import accounts_section

PAGE_SIZE = 25
RECENT_EVENTS = 10


def _require_manage(user) -> None:
    if not has_capability(user, Capability.MANAGE_BOOK):
        raise PermissionDenied("Your role can view households and clients but not change them.")


def _wants_partial(request) -> bool:
    """A live-search request from htmx gets only the results; navigations get the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _bound_data(request):
    return request.POST if request.method == "POST" else None


def _list_page(request, *, rows, page_template: str, partial_template: str):
    query = request.GET.get("q", "").strip()
    page = Paginator(rows(query), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query}
    return render(request, partial_template if _wants_partial(request) else page_template, context)


# --- Households ------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def household_list(request):
    return _list_page(
        request,
        rows=lambda query: households_matching(request.user, query),
        page_template="portfolios/household_list.html",
        partial_template="portfolios/household_table.html",
    )


@login_required
@require_GET
def household_detail(request, pk: int):
    household = get_object_or_404(households_visible_to(request.user), pk=pk)
    context = {
        "household": household,
        "clients": clients_visible_to(request.user).filter(household=household),
        "accounts": accounts_section(request.user, household=household),
        "events": recent_events_for_household(request.user, household, RECENT_EVENTS),
        "show_activity": has_capability(request.user, Capability.VIEW_BOOK),
    }
    return render(request, "portfolios/household_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    _require_manage(request.user)
    initial = {"advisor": request.user.pk} if request.user.role == Role.ADVISOR else {}
    form = HouseholdForm(_bound_data(request), user=request.user, initial=initial)
    done = submit_to_service(
        request,
        form,
        lambda data: services.create_household(actor=request.user, **data),
        success=lambda household: f"Household “{household.name}” created.",
        then="portfolios:household-detail",
    )
    return done or render(request, "portfolios/household_form.html", {"form": form, "household": None})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    household = get_object_or_404(households_visible_to(request.user), pk=pk)
    _require_manage(request.user)
    form = HouseholdForm(_bound_data(request), user=request.user, initial=HouseholdForm.initial_for(household))
    done = submit_to_service(
        request,
        form,
        lambda data: services.update_household(actor=request.user, household=household, **data),
        success=lambda saved: f"Household “{saved.name}” saved.",
        then="portfolios:household-detail",
    )
    return done or render(request, "portfolios/household_form.html", {"form": form, "household": household})


# --- Clients ---------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def client_list(request):
    return _list_page(
        request,
        rows=lambda query: clients_matching(request.user, query),
        page_template="portfolios/client_list.html",
        partial_template="portfolios/client_table.html",
    )


@login_required
@require_GET
def client_detail(request, pk: int):
    client = get_object_or_404(clients_visible_to(request.user), pk=pk)
    context = {
        "client": client,
        "accounts": accounts_section(request.user, client=client),
        "events": recent_events_for_client(request.user, client, RECENT_EVENTS),
        "show_activity": has_capability(request.user, Capability.VIEW_BOOK),
    }
    return render(request, "portfolios/client_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request):
    _require_manage(request.user)
    initial = {"household": request.GET.get("household")} if request.GET.get("household", "").isdigit() else {}
    form = ClientForm(_bound_data(request), user=request.user, initial=initial)
    done = submit_to_service(
        request,
        form,
        lambda data: services.create_client(actor=request.user, **data),
        success=lambda client: f"Client “{client}” created.",
        then="portfolios:client-detail",
    )
    return done or render(request, "portfolios/client_form.html", {"form": form, "client": None})


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request, pk: int):
    client = get_object_or_404(clients_visible_to(request.user), pk=pk)
    _require_manage(request.user)
    form = ClientForm(_bound_data(request), user=request.user, initial=ClientForm.initial_for(client))
    done = submit_to_service(
        request,
        form,
        lambda data: services.update_client(actor=request.user, client=client, **data),
        success=lambda saved: f"Client “{saved}” saved.",
        then="portfolios:client-detail",
    )
    return done or render(request, "portfolios/client_form.html", {"form": form, "client": client})
