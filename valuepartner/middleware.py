import re
import uuid

from django.conf import settings

from . import request_context

# An incoming id is kept only when it looks like one, so a client cannot inject log content.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def _client_ip(request) -> str | None:
    """The address the audit trail records: behind PROXY_COUNT proxies, the one the outermost proxy saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N trusted
    proxies the client is the N-th entry from the right; anything further left was written by the client.
    """
    proxies = settings.AXES_IPWARE_PROXY_COUNT  # set from the PROXY_COUNT environment variable
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and forwarded:
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives each request an id (kept from ``X-Request-ID`` when valid) and echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_context.bind(request_id=request_id, ip=_client_ip(request), user_id=None)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestUserContextMiddleware:
    """Adds the signed-in user to the request context once authentication has run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request_context.bind(user_id=user.pk)
        return self.get_response(request)
