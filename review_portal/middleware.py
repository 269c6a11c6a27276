"""Security headers the portal sends on every response: Content-Security-Policy
(django-csp, configured by CONTENT_SECURITY_POLICY in settings) and
Permissions-Policy."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, loosened for Redoc's page (/api/redoc/) only.

    Redoc (drf-spectacular, from drf-spectacular-sidecar's static files) writes
    inline styles and runs a worker from a blob: URL, neither of which our own
    pages need (the portal's own API documentation, /api/docs/, takes the site's
    policy). Its scripts still come only from our own origin."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(settings.CSP_API_DOCS_PATHS):
            parts.update = {**(parts.update or {}), **settings.CSP_API_DOCS_UPDATE}
        return parts


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY as the Permissions-Policy header: the
    browser features no page of the portal uses, turned off for it and anything it
    might embed."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
