"""Prometheus exposition at /metrics, for the scraper only.

Allowed when the peer address is in ``METRICS_ALLOWED_IPS`` or the request carries
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets the ordinary 404 so the endpoint's
existence is not revealed. The peer address is REMOTE_ADDR, never X-Forwarded-For, which a client
can write: behind a proxy, scrape the app directly or use the token.
"""

import hmac

from django.conf import settings
from django.http import Http404
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView

_BEARER = "bearer "


def _has_valid_token(request) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    if header[: len(_BEARER)].lower() != _BEARER:
        return False
    presented = header[len(_BEARER) :].strip()
    return hmac.compare_digest(presented.encode(), expected.encode())


def is_scraper(request) -> bool:
    return request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS or _has_valid_token(request)


@never_cache
def metrics_view(request):
    if not is_scraper(request):
        raise Http404
    return ExportToDjangoView(request)
