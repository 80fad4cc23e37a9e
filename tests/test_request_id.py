"""Every response carries an X-Request-ID: the caller's when it looks like an id, a fresh one otherwise.
The id and the client address are readable through ``request_context`` while the request is served.

This module doubles as a URLconf (``pytest.mark.urls``) whose view reports the bound context.
"""

import re

import pytest
from django.http import JsonResponse
from django.urls import path

from valuepartner import request_context


def context_view(request):
    context = request_context.current()
    return JsonResponse({"request_id": context.request_id, "ip": context.ip})


urlpatterns = [path("context/", context_view)]

GENERATED = re.compile(r"^[0-9a-f]{32}$")
URL = "/healthz/live"


def test_valid_incoming_id_is_echoed(client):
    """A well-formed id from a proxy or client is kept, so one id follows the request across services."""
    response = client.get(URL, HTTP_X_REQUEST_ID="edge-7f3a.92b1_0001")

    assert response["X-Request-ID"] == "edge-7f3a.92b1_0001"


def test_missing_id_is_generated(client):
    """Without the header the response carries a new random id."""
    first = client.get(URL)["X-Request-ID"]
    second = client.get(URL)["X-Request-ID"]

    assert GENERATED.match(first)
    assert GENERATED.match(second)
    assert first != second


@pytest.mark.parametrize(
    "incoming",
    [
        "short",  # under 8 characters
        "x" * 129,  # over 128
        "abc def 12345",  # spaces
        'abcdefgh"}, "level": "CRITICAL',  # an attempt to forge JSON log fields
        "abcdefgh\\nINFO forged",
        "",
    ],
)
def test_invalid_incoming_id_is_replaced(client, incoming):
    """An id that does not look like one is not trusted: a generated id replaces it, so clients cannot
    inject text into the logs through this header."""
    response = client.get(URL, HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert GENERATED.match(response["X-Request-ID"])


def test_context_is_cleared_after_the_request(client):
    """The id is bound for the request only; code running after it does not inherit a stale id."""
    client.get(URL, HTTP_X_REQUEST_ID="edge-7f3a.92b1_0002")

    assert request_context.current().request_id == ""


@pytest.mark.urls("tests.test_request_id")
def test_id_is_bound_while_the_request_is_served(client):
    """Code below the middleware (logging, the audit trail) reads the same id the client gets back."""
    response = client.get("/context/")

    assert response.json()["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tests.test_request_id")
def test_forwarded_for_is_ignored_without_trusted_proxies(client, settings):
    """With PROXY_COUNT 0 the client address is the peer's: an X-Forwarded-For header is the client's own
    claim and is not recorded."""
    settings.AXES_IPWARE_PROXY_COUNT = 0

    response = client.get("/context/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.json()["ip"] == "198.51.100.4"


@pytest.mark.urls("tests.test_request_id")
def test_client_address_behind_trusted_proxies(client, settings):
    """Behind one trusted proxy the address is the last X-Forwarded-For entry (the one that proxy added),
    not an earlier entry the client wrote itself."""
    settings.AXES_IPWARE_PROXY_COUNT = 1

    response = client.get("/context/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert response.json()["ip"] == "203.0.113.7"
