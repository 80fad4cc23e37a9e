"""Error pages for people, JSON errors for the API, and the rule that pages load nothing external."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.template import loader
from django.test import Client, RequestFactory
from django.urls import path

from valuepartner import urls as site_urls
from valuepartner import views

# This module doubles as a URLconf (see ``pytest.mark.urls`` below): the site's routes plus views
# that fail on purpose.


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page")


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("deliberately malformed")


urlpatterns = [
    path("boom/", _boom),
    path("api/v1/boom/", _boom),
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    *site_urls.urlpatterns,
]
handler400 = "valuepartner.views.bad_request"
handler403 = "valuepartner.views.permission_denied"
handler404 = "valuepartner.views.page_not_found"
handler500 = "valuepartner.views.server_error"


@pytest.fixture
def crashing_client():
    """A client that lets Django turn exceptions into responses, as in production."""
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_unknown_page_renders_the_404_page(client, advisor):
    """An unknown address shows the site's 404 page inside the normal frame."""
    client.force_login(advisor)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Page not found" in html
    assert "Value Partner" in html
    assert '<ul class="main-nav">' in html


def test_api_404_and_500_delegate_to_the_api_handlers(rf: RequestFactory):
    """Under /api/ the site handlers answer with the JSON error body, not a page."""
    not_found = views.page_not_found(rf.get("/api/v1/nothing-here/"), Http404())
    crashed = views.server_error(rf.get("/api/v1/anything/"))

    assert not_found.status_code == 404
    assert not_found["Content-Type"] == "application/json"
    assert json.loads(not_found.content)["error"]["code"] == "not_found"
    assert crashed.status_code == 500
    assert json.loads(crashed.content)["error"]["code"] == "server_error"


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_unhandled_exception_renders_the_500_page(crashing_client):
    """A crash in a page view gives the static 500 page with status 500."""
    response = crashing_client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "/static/css/app.css" in html
    assert "deliberate failure" not in html


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_unhandled_exception_under_api_is_json(crashing_client):
    """A crash under /api/ outside DRF still answers with the JSON error body."""
    response = crashing_client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


def test_500_template_renders_without_any_request_context():
    """The 500 page needs nothing but the static URL: no request, user or database."""
    html = loader.get_template("errors/500.html").render()

    assert "Something went wrong" in html
    assert 'href="/static/css/app.css"' in html


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_permission_denied_renders_the_403_page(client):
    """A PermissionDenied in a view shows the 403 page."""
    response = client.get("/forbidden/")

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_bad_request_renders_the_400_page(crashing_client):
    """A SuspiciousOperation is answered with the standalone 400 page."""
    response = crashing_client.get("/suspicious/")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_400_and_403_under_api_are_json(rf: RequestFactory):
    """API paths get the JSON error body for 400 and 403 as well."""
    bad = views.bad_request(rf.get("/api/v1/x/"), SuspiciousOperation())
    denied = views.permission_denied(rf.get("/api/v1/x/"), PermissionDenied())

    assert (bad.status_code, json.loads(bad.content)["error"]["code"]) == (400, "bad_request")
    assert (denied.status_code, json.loads(denied.content)["error"]["code"]) == (403, "permission_denied")


def test_csrf_failure_renders_the_csrf_page(advisor):
    """A form posted without its CSRF token gets the 403 CSRF page explaining what to do."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(advisor)

    response = browser.post("/households/new/", {"name": "No token"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Form expired" in html
    assert "security token is missing or stale" in html


# --- Nothing is loaded from another host -----------------------------------------------------

EXTERNAL_URL = re.compile(r"https?://", re.I)
XMLNS = re.compile(r'xmlns(:\w+)?="https?://[^"]*"', re.I)


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file())


def test_no_template_or_stylesheet_references_an_external_url():
    """Templates and stylesheets use local static files only: no http(s) URL except XML namespaces."""
    base = Path(settings.BASE_DIR)
    files = _files(base / "templates", "*.html") + _files(base / "static" / "css", "*.css")
    assert files, "expected templates and stylesheets to scan"

    offenders = [
        f"{file.relative_to(base)}:{number}"
        for file in files
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1)
        if EXTERNAL_URL.search(XMLNS.sub("", line))
    ]

    assert offenders == []


def test_vendored_htmx_is_the_one_base_html_loads():
    """base.html points at the vendored htmx file that exists, with its licence and provenance."""
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    base_html = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text(encoding="utf-8")
    referenced = re.search(r"vendor/(htmx-[\d.]+\.min\.js)", base_html).group(1)

    assert (vendor / referenced).stat().st_size > 10_000
    assert (vendor / "htmx.LICENSE").exists()
    assert referenced in (vendor / "README.md").read_text(encoding="utf-8")
