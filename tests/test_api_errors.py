"""The API's one error format, end to end through middleware, DRF and the exception handler.

This module is also the URLconf of its tests: the real API plus views that fail on purpose.
"""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from valuepartner.api.handlers import api_not_found, api_server_error
from valuepartner.errors import DomainError


class ConflictError(DomainError):
    status = 409


class _Line(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class _Order(serializers.Serializer):
    symbol = serializers.CharField()
    lines = _Line(many=True)


class FailingView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    def get(self, request, how):
        if how == "crash":
            raise RuntimeError("database password=hunter2 leaked into an exception")
        if how == "domain":
            raise ConflictError("order_closed", "The order is already closed.", fields={"status": ["Closed."]})
        if how == "django-404":
            raise Http404("No Order matches the given query.")
        if how == "django-403":
            raise PermissionDenied
        return Response({"ok": True})

    def post(self, request, how):
        serializer = _Order(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


urlpatterns = [
    path("api/v1/failing/<str:how>/", FailingView.as_view()),
    path("api/", include("valuepartner.api.urls")),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def client():
    # Answers, not re-raised exceptions: the point is what a caller receives.
    return Client(raise_request_exception=False)


def test_unexpected_exception_is_a_json_500_with_the_request_id_and_is_logged(client, caplog):
    """A crash answers {"error": {"code": "server_error", "request_id"}} without a traceback, and the
    logged line carries the same request id and the exception."""
    with caplog.at_level(logging.ERROR, logger="valuepartner.api.errors"):
        response = client.get("/api/v1/failing/crash/", HTTP_X_REQUEST_ID="req-boom-0001")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert error["request_id"] == "req-boom-0001" == response["X-Request-ID"]
    assert "Traceback" not in response.content.decode()
    assert "hunter2" not in response.content.decode()
    records = [r for r in caplog.records if r.name == "valuepartner.api.errors"]
    assert len(records) == 1
    record = records[0]
    assert record.request_id == "req-boom-0001"
    # The redacting log filter may already have rendered the traceback into exc_text.
    logged = record.exc_text or logging.Formatter().formatException(record.exc_info)
    assert "RuntimeError" in logged


def test_domain_error_keeps_its_status_code_and_fields(client):
    """A DomainError subclass answers with its own status, code, message and field errors."""
    response = client.get("/api/v1/failing/domain/")

    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "order_closed", "message": "The order is already closed.", "fields": {"status": ["Closed."]}}
    }


def test_django_http404_and_permission_denied_use_the_error_body(client):
    """Django's own Http404 and PermissionDenied raised in an API view become not_found / permission_denied."""
    not_found = client.get("/api/v1/failing/django-404/")
    forbidden = client.get("/api/v1/failing/django-403/")

    assert not_found.status_code == 404
    assert not_found.json()["error"]["code"] == "not_found"
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "permission_denied"


def test_validation_errors_are_invalid_with_flat_field_messages(client):
    """Field errors, including nested ones, arrive as {"field": [messages]} with dotted names."""
    response = client.post(
        "/api/v1/failing/validate/", {"lines": [{"quantity": 3}, {"quantity": 0}]}, content_type="application/json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"symbol", "lines.1.quantity"}
    assert error["fields"]["symbol"] == ["This field is required."]


def test_malformed_json_is_a_parse_error(client):
    """A body that is not JSON answers 400 parse_error, not a 500."""
    response = client.post("/api/v1/failing/validate/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_wrong_method_is_method_not_allowed(client):
    """A method the view does not offer answers 405 method_not_allowed in the error body."""
    response = client.delete("/api/v1/failing/validate/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_address_is_a_json_404(client, method):
    """Any method on an address no API view claims answers the JSON 404, not the web's HTML page."""
    response = getattr(client, method)("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_missing_credentials_are_not_authenticated_with_a_bearer_challenge(client):
    """A protected endpoint without credentials answers 401 not_authenticated and names the Bearer scheme."""
    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_site_error_handlers_answer_json_for_api_requests():
    """handler404/handler500 delegate here for /api/: JSON bodies, the 500 naming the request id."""
    request = RequestFactory().get("/api/v1/anything/")
    request.request_id = "req-handler-500"

    not_found = api_not_found(request)
    server_error = api_server_error(request)

    assert not_found.status_code == 404
    assert b'"not_found"' in not_found.content
    assert server_error.status_code == 500
    assert b'"request_id": "req-handler-500"' in server_error.content


def test_docs_page_loads_its_assets_from_our_static_files(client):
    """/api/docs/ renders Swagger UI from drf-spectacular-sidecar's static files: nothing from a CDN."""
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert "https://" not in html

    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_schema_endpoint_serves_openapi_3(client):
    """/api/schema/ serves the OpenAPI 3 document listing the v1 endpoints."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/households/", "/api/v1/clients/{id}/"} <= set(schema["paths"])


@pytest.mark.urls("valuepartner.urls")
def test_schema_generation_is_valid_without_warnings(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` passes for the site's real URLconf."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/households/{id}/" in (tmp_path / "schema.yaml").read_text()
