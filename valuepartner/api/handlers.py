"""JSON answers for requests under /api/ that fail outside a DRF view.

The site-wide ``handler404``/``handler500`` call these when ``valuepartner.errors.is_api_request``
holds, so a mobile client never receives an HTML error page. DRF views answer through
``valuepartner.api.errors.exception_handler``, which builds the same bodies.
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from valuepartner import request_context
from valuepartner.errors import error_body

NOT_FOUND_MESSAGE = "There is no API endpoint or object at this address."
SERVER_ERROR_MESSAGE = "Something went wrong on our side. Quote the request id if you contact support."


def request_id_of(request) -> str:
    return getattr(request, "request_id", "") or request_context.current().request_id


def server_error_body(request_id: str) -> dict:
    body = error_body("server_error", SERVER_ERROR_MESSAGE)
    body["error"]["request_id"] = request_id
    return body


def api_not_found(request) -> JsonResponse:
    return JsonResponse(error_body("not_found", NOT_FOUND_MESSAGE), status=404)


def api_server_error(request) -> JsonResponse:
    return JsonResponse(server_error_body(request_id_of(request)), status=500)


@csrf_exempt
def unknown_endpoint(request, *args, **kwargs) -> JsonResponse:
    """The last route under /api/: any address no API view claims is a JSON 404, whatever the method.

    Exempt from CSRF because it changes nothing; otherwise a session-authenticated POST to a
    mistyped address would be reported as a CSRF failure instead of the missing endpoint it is.
    """
    return api_not_found(request)
