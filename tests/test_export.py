import filecmp
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import Recommendation
from sources.exporting import fixture_fields, fixture_record
from sources.loading import FIXTURE_FILES

FIXTURES = Path(settings.FIXTURE_DIRS[0])

pytestmark = pytest.mark.django_db


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def every_record():
    """The whole curated database as the fixtures see it: by natural key, not pk."""
    state = {}
    for _, label in FIXTURE_FILES:
        model = apps.get_model(label)
        fields = fixture_fields(model)
        state[label] = [
            fixture_record(obj, fields) for obj in model.objects.order_by("slug")
        ]
    state["documents"] = sorted(
        (s.slug, s.raw_text)
        for s in apps.get_model("sources.sourcedocument").objects.all()
    )
    return state


def same_tree(left: Path, right: Path) -> bool:
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only:
        return False
    _, mismatch, errors = filecmp.cmpfiles(
        left, right, comparison.common_files, shallow=False
    )
    return (
        not mismatch
        and not errors
        and all(same_tree(left / sub, right / sub) for sub in comparison.common_dirs)
    )


def test_load_then_export_reproduces_the_shipped_fixtures_byte_for_byte(
    shipped_data, tmp_path
):
    out = run("export_review", str(tmp_path))
    assert same_tree(FIXTURES, tmp_path), out


def test_export_then_load_into_an_empty_database_gives_the_same_records(
    shipped_data, tmp_path
):
    edited = Recommendation.objects.first()
    edited.summary = "A curator's correction."
    edited.save()
    before = every_record()
    run("export_review", str(tmp_path))

    for _, label in reversed(FIXTURE_FILES):
        apps.get_model(label).objects.all().delete()
    apps.get_model("sources.loadedrecord").objects.all().delete()
    run("load_review", "--fixtures", str(tmp_path))

    assert every_record() == before
    assert (
        Recommendation.objects.get(slug=edited.slug).summary
        == "A curator's correction."
    )


def test_export_shows_a_staff_edit_as_its_line_and_its_date(shipped_data, tmp_path):
    run("export_review", str(tmp_path))
    recommendation = Recommendation.objects.order_by("slug").first()
    recommendation.title = "A clearer title"
    recommendation.save()
    out = run("export_review", str(tmp_path))
    assert "1 of" in out and "recommendations.json" in out
    old = (FIXTURES / "recommendations.json").read_text(encoding="utf-8").splitlines()
    new = (tmp_path / "recommendations.json").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    # The title, and the record's "last updated" date (issue 10: when its content
    # last changed, so the edit moves it to today).
    assert len(changed) == 2
    title, date = sorted(changed, key=lambda pair: '"changed_on"' in pair[1])
    assert "A clearer title" in title[1]
    assert f'"changed_on": "{timezone.localdate().isoformat()}"' in date[1]
