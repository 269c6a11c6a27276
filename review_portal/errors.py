"""Error pages: under /api/ they answer JSON, as the rest of the API does, instead
of the site's HTML page, in the API's one error shape (review_portal/lib/errors.py).
DRF's exception handler only sees the exceptions it knows (APIException, Http404,
PermissionDenied); anything else reaches handler500."""

from django.http import JsonResponse
from django.views import defaults

from review_portal.lib.errors import error

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if _is_api(request):
        return JsonResponse(
            {"errors": [error(None, "A server error occurred.")]}, status=500
        )
    return defaults.server_error(request, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return JsonResponse({"errors": [error(None, "Not found.")]}, status=404)
    return defaults.page_not_found(request, exception, template_name)
