"""/metrics: Prometheus exposition for allowed addresses or the bearer token, an ordinary 404 for anyone else."""

import pytest

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = "203.0.113.9"
TOKEN = "m3trics-t0ken-0123456789abcdef"


@pytest.fixture
def locked_down(settings):
    """Only 10.0.0.5 may scrape, and the token is set."""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.METRICS_TOKEN = TOKEN
    return settings


def _is_exposition(response) -> bool:
    return response.status_code == 200 and b"django_http_requests_total_by_method" in response.content


def test_allowed_address_gets_the_exposition(client, locked_down):
    """A scraper at an allowed address gets Prometheus text with django_prometheus's request metrics."""
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.5")

    assert _is_exposition(response)
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


def test_loopback_is_allowed_by_default(client):
    """With the default settings the local host (a sidecar scraper) may read the metrics."""
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert _is_exposition(response)


def test_other_address_gets_a_plain_not_found(client, locked_down):
    """Anyone else sees the same 404 as for a path that does not exist, so the endpoint is not revealed."""
    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS)
    missing = client.get("/no-such-page-here", REMOTE_ADDR=PUBLIC_ADDRESS)

    assert response.status_code == 404
    assert b"django_http" not in response.content
    assert response.templates
    assert [t.name for t in response.templates] == [t.name for t in missing.templates]


def test_forwarded_for_header_does_not_grant_access(client, locked_down):
    """X-Forwarded-For is written by the client, so naming an allowed address there changes nothing."""
    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_X_FORWARDED_FOR="10.0.0.5")

    assert response.status_code == 404


def test_bearer_token_grants_access_from_any_address(client, locked_down):
    """The configured token opens the endpoint from an address outside the allow-list."""
    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert _is_exposition(response)


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer wrong"],
)
def test_wrong_or_malformed_token_is_not_found(client, locked_down, header):
    """A token that is wrong, truncated, empty or not sent as a bearer credential gets the 404."""
    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION=header)

    assert response.status_code == 404


def test_empty_bearer_does_not_match_an_unset_token(client, settings):
    """With no METRICS_TOKEN configured, an empty bearer credential must not compare equal to it."""
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404
