"""The sitemap at /sitemap.xml: every public list page and every record with a page.

Records that only have an anchor on a list page (key figures, timeline events,
publications) are covered by that list. No lastmod: the models keep no timestamps."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from recommendations.models import Chapter, Mission, Recommendation
from sources.models import Organisation, SourceDocument, StakeholderResponse


class ListPageSitemap(Sitemap):
    priority = 0.8

    def items(self):
        return [
            "home",
            "charts",
            "recommendations:recommendation_list",
            "recommendations:chapter_list",
            "recommendations:mission_list",
            "recommendations:keyfigure_list",
            "recommendations:timelineevent_list",
            "recommendations:tracker",
            "recommendations:how_we_track",
            "recommendations:discrepancy_list",
            "data",
            "change_list",
            "sources:stakeholderresponse_list",
            "sources:organisation_list",
            "sources:sourcedocument_list",
            "sources:publication_list",
        ]

    def location(self, item):
        return reverse(item)


class RecordSitemap(Sitemap):
    """One model's detail pages; get_absolute_url() only reads the slug."""

    model = None

    def items(self):
        # A list, not a queryset: the paginator then needs no COUNT query.
        return list(self.model.objects.only("slug").order_by("slug"))


class ChapterSitemap(RecordSitemap):
    model = Chapter


class MissionSitemap(RecordSitemap):
    model = Mission


class RecommendationSitemap(RecordSitemap):
    model = Recommendation


class OrganisationSitemap(RecordSitemap):
    model = Organisation


class SourceDocumentSitemap(RecordSitemap):
    model = SourceDocument


class StakeholderResponseSitemap(RecordSitemap):
    model = StakeholderResponse


sitemaps = {
    "pages": ListPageSitemap,
    "chapters": ChapterSitemap,
    "missions": MissionSitemap,
    "recommendations": RecommendationSitemap,
    "organisations": OrganisationSitemap,
    "sources": SourceDocumentSitemap,
    "responses": StakeholderResponseSitemap,
}
