"""The header's menu, as data: one list, rendered by templates/includes/header.html."""

from django.urls import reverse

# (label, URL name), in the order the menu shows them.
NAVIGATION = [
    ("Recommendations", "recommendations:recommendation_list"),
    ("Tracker", "recommendations:tracker"),
    ("Chapters", "recommendations:chapter_list"),
    ("Missions", "recommendations:mission_list"),
    ("Organisations", "sources:organisation_list"),
    ("Sources", "sources:sourcedocument_list"),
    ("Timeline", "recommendations:timelineevent_list"),
]


def navigation(request):
    """A context processor: `navigation`, each item's label, URL and whether it is
    the page being shown."""
    items = []
    for label, name in NAVIGATION:
        url = reverse(name)
        items.append({"label": label, "url": url, "is_current": request.path == url})
    return {"navigation": items}
