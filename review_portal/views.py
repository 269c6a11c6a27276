from django.conf import settings
from django.http import FileResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = settings.BASE_DIR / "static" / "images" / "favicon.ico"


@require_safe
@cache_control(max_age=60 * 60 * 24, public=True)
def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever the page links."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
