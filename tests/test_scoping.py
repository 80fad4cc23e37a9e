"""Generic scoping test: every URL that addresses one object is out of reach outside its scope.

Each local app registers its object URLs in ``<app>/tests/scoping.py``. A new detail URL without
a registration fails ``test_every_object_url_is_registered``; every registration is then checked
for the owner (200), the firm-wide readers (200, or 403 when the view needs more than reading)
and everyone outside the object's scope (404, never 403: existence is not revealed). URLs of
public reference data (``register_public``) are checked instead for every signed-in role (200)
and anonymous visitors (refused).
"""

import importlib
import types

import pytest
from django.http import HttpResponse
from django.urls import include, path, re_path, reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.roles import has_capability
from accounts.tests.factories import (
    AdvisorFactory,
    ClientUserFactory,
    ComplianceFactory,
    FirmFactory,
    OperatorFactory,
)
from valuepartner.testing.otp import login_verified
from valuepartner.testing.scoping import object_url_names, registered, registered_public

LOCAL_APPS = ("accounts", "portfolios", "marketdata", "trading", "strategies", "reporting", "compliance", "jobs")


def _load_registrations() -> None:
    for app in LOCAL_APPS:
        module = f"{app}.tests.scoping"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            # Only a missing registration module is fine; an import error inside one is not.
            if error.name not in (f"{app}.tests", module):
                raise


_load_registrations()
ENTRIES = sorted(registered().values(), key=lambda entry: entry.url_name)
PUBLIC_ENTRIES = sorted(registered_public().values(), key=lambda entry: entry.url_name)

# Who must not reach an object of an advisor of ``firm``: (role factory, same firm as the owner?).
OUTSIDERS = {
    "same-firm advisor": (AdvisorFactory, True),
    "other-firm advisor": (AdvisorFactory, False),
    "other-firm operator": (OperatorFactory, False),
    "other-firm compliance": (ComplianceFactory, False),
    "unrelated client": (ClientUserFactory, True),
}
FIRM_READERS = {"same-firm operator": OperatorFactory, "same-firm compliance": ComplianceFactory}
SIGNED_IN_ROLES = {
    "advisor": AdvisorFactory,
    "operator": OperatorFactory,
    "compliance": ComplianceFactory,
    "client": ClientUserFactory,
}


def _url(entry, obj) -> str:
    return reverse(entry.url_name, kwargs={entry.kwarg: getattr(obj, entry.kwarg)})


def _request(client, entry, user, method: str, url: str):
    if entry.is_api:
        token = RefreshToken.for_user(user).access_token
        return client.generic(method.upper(), url, "{}", "application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    if user.is_operator:
        login_verified(client, user)
    else:
        client.force_login(user)
    return client.generic(method.upper(), url)


def _view(request, **kwargs):
    return HttpResponse()


def test_object_url_names_walks_includes_and_skips_non_object_urls():
    """The walker finds ids in nested includes (with namespaces) and regex routes, and skips the exclusions."""
    urlconf = types.ModuleType("scoping_walk_urls")
    inner = [path("items/<uuid:item>/", _view, name="item"), path("", _view, name="home")]
    admin_patterns = [path("<int:pk>/change/", _view, name="change")]
    urlconf.urlpatterns = [
        path("things/<int:pk>/", _view, name="thing"),
        path("things/", _view, name="things"),
        path("teams/<slug:team>/", include((inner, "inner"))),
        re_path(r"^api/things/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$", _view, name="api-thing"),
        re_path(r"^api/things\.(?P<format>[a-z0-9]+)/?$", _view, name="api-things"),
        path("reset/<uidb64>/<token>/", _view, name="password_reset_confirm"),
        path("api/token/<str:kind>/", _view, name="token_obtain"),
        path("admin/", include((admin_patterns, "admin"))),
        path("files/<path:name>", _view, name="file"),
    ]

    assert object_url_names(urlconf) == {"thing", "inner:item", "inner:home", "api-thing"}


def test_every_object_url_is_registered():
    """Every named URL carrying an object id has a scoping registration (a new detail view must add one)."""
    missing = object_url_names() - set(registered()) - set(registered_public())

    assert not missing, f"Register these in <app>/tests/scoping.py: {sorted(missing)}"


def test_every_registration_names_an_object_url():
    """A registration for a URL that no longer exists (or takes no object) is stale and fails."""
    stale = (set(registered()) | set(registered_public())) - object_url_names()

    assert not stale, f"Stale scoping registrations: {sorted(stale)}"


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.url_name)
def test_owner_reaches_the_object(client, firm, entry):
    """The advisor whose book holds the object gets 200: the negative cases below are not vacuous."""
    owner = AdvisorFactory(firm=firm)
    url = _url(entry, entry.make(owner))

    response = _request(client, entry, owner, "get", url)

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("reader", FIRM_READERS)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.url_name)
def test_firm_readers_see_the_object(client, firm, entry, reader):
    """An operator or compliance officer of the same firm reads it (200), or is refused by role (403)."""
    user = FIRM_READERS[reader](firm=firm)
    url = _url(entry, entry.make(AdvisorFactory(firm=firm)))

    response = _request(client, entry, user, "get", url)

    assert response.status_code == (200 if has_capability(user, entry.capability) else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.url_name)
def test_outsiders_get_404(client, firm, entry, outsider):
    """Anyone outside the object's scope gets 404 for every registered method, whatever their role."""
    factory, same_firm = OUTSIDERS[outsider]
    user = factory(firm=firm if same_firm else FirmFactory())
    url = _url(entry, entry.make(AdvisorFactory(firm=firm)))

    statuses = {method: _request(client, entry, user, method, url).status_code for method in entry.methods}

    assert statuses == dict.fromkeys(entry.methods, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
@pytest.mark.parametrize("entry", PUBLIC_ENTRIES, ids=lambda entry: entry.url_name)
def test_public_object_is_reachable_by_every_signed_in_role(client, entry, role):
    """Public reference data (instruments, prices) answers 200 to every role of any firm."""
    user = SIGNED_IN_ROLES[role](firm=FirmFactory())
    url = _url(entry, entry.make())

    response = _request(client, entry, user, "get", url)

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("entry", PUBLIC_ENTRIES, ids=lambda entry: entry.url_name)
def test_public_object_is_refused_to_anonymous_visitors(client, entry):
    """Public means every signed-in user, not the internet: the API answers 401, pages send to sign-in."""
    url = _url(entry, entry.make())

    response = client.get(url)

    if entry.is_api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
