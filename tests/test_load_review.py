import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from recommendations.models import Recommendation
from review_portal.lib.curation import FIRST_LOAD, LOADED_BY_COMMAND
from sources.cleaning import clean_text
from sources.loading import FIXTURE_FILES, MAX_DEPTH, MAX_FILE_BYTES
from sources.models import ChapterTitle, Citation, SourceDocument, StakeholderResponse

FIXTURES = Path(settings.FIXTURE_DIRS[0])
# 16 records taken from fixtures/, at least one in each of the 14 files, and one
# captured document with the response quoted from it (a recommendation's missions and
# the response's links were added so that each kind of link is loaded): enough for
# everything the loader does, at a fraction of the cost of the 867 shipped records.
# The tests of the shipped data itself read those, through the session's `shipped_data`.
MINI = Path(__file__).parent / "data" / "mini_fixtures"
MODELS = [apps.get_model(label) for _, label in FIXTURE_FILES]

pytestmark = pytest.mark.django_db


def load(*args, fixtures=None, verbosity=1):
    out = StringIO()
    if fixtures is not None:
        args = (*args, "--fixtures", str(fixtures))
    call_command("load_review", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def snapshot():
    """Every row of every fixture model and its many-to-many links, in a stable order."""
    state = {}
    for model in MODELS:
        rows = list(model.objects.order_by("pk").values())
        for m2m in model._meta.many_to_many:
            through = getattr(model, m2m.name).through
            rows.append(
                sorted(
                    through.objects.values_list(
                        *[
                            f.attname
                            for f in through._meta.concrete_fields
                            if not f.primary_key
                        ]
                    )
                )
            )
        state[model._meta.label] = rows
    return state


def copy_of(source, tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(source, folder)
    return folder


@pytest.fixture
def fixtures(tmp_path):
    """A copy of the mini fixtures that a test may change."""
    return copy_of(MINI, tmp_path)


def read(folder, name):
    return json.loads((folder / name).read_text(encoding="utf-8"))


def write(folder, name, records):
    (folder / name).write_text(
        json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def find(records, slug):
    return next(r for r in records if r["fields"]["slug"] == slug)


def test_shipped_fixtures_load_every_file():
    out = load()
    assert "Loaded." in out
    for model in MODELS:
        assert model.objects.exists(), f"no {model._meta.label} loaded"


def test_second_load_changes_nothing_and_says_so(shipped_data):
    before = snapshot()
    out = load()
    assert "No changes" in out
    assert snapshot() == before


def test_dry_run_writes_nothing_but_shows_the_plan():
    out = load("--dry-run", fixtures=MINI)
    assert "Dry run: nothing was written." in out
    assert "created" in out
    assert not Recommendation.objects.exists()


def test_quiet_load_prints_nothing():
    assert load(fixtures=MINI, verbosity=0) == ""
    assert Recommendation.objects.exists()


def test_captured_texts_are_kept_byte_for_byte(shipped_data):
    captured = SourceDocument.objects.filter(capture="captured")
    assert captured.count() == len(list((FIXTURES / "documents").glob("*.txt")))
    for source in captured:
        raw = (FIXTURES / "documents" / f"{source.slug}.txt").read_bytes()
        assert source.raw_text.encode("utf-8") == raw
        assert source.cleaned_text == clean_text(source.raw_text)


def test_every_quotation_and_excerpt_is_found_in_its_captured_source(shipped_data):
    checked = 0
    for model, field in [
        (Citation, "excerpt"),
        (StakeholderResponse, "quotation"),
        (ChapterTitle, "title"),
    ]:
        for record in model.objects.filter(source__capture="captured").select_related(
            "source"
        ):
            assert getattr(record, field) in record.source.cleaned_text, record.slug
            checked += 1
    assert checked > 20


def test_every_curated_record_points_back_to_a_source(shipped_data):
    for model in [
        apps.get_model("recommendations", name)
        for name in [
            "review",
            "chapter",
            "recommendation",
            "keyfigure",
            "timelineevent",
        ]
    ]:
        for record in model.objects.all():
            assert record.citations.exists(), (
                f"{model._meta.label} {record.slug} has no source"
            )
    assert not StakeholderResponse.objects.filter(source__isnull=True).exists()


def corrupt_json(folder):
    (folder / "recommendations.json").write_text(
        '[{"model": "recommendations.recommendation",'
    )
    return "recommendations.json", "malformed JSON at line 1"


def unknown_field(folder):
    records = read(folder, "recommendations.json")
    records[1]["fields"]["colour"] = "blue"
    write(folder, "recommendations.json", records)
    slug = records[1]["fields"]["slug"]
    return "recommendations.json", f"record 2 ({slug}), field 'colour': unknown field"


def missing_reference(folder):
    records = read(folder, "recommendations.json")
    records[0]["fields"]["chapter"] = ["no-such-chapter"]
    write(folder, "recommendations.json", records)
    slug = records[0]["fields"]["slug"]
    return "recommendations.json", f"record 1 ({slug}), field 'chapter': refers to"


def duplicate_key(folder):
    records = read(folder, "organisations.json")
    records.append(records[0])
    write(folder, "organisations.json", records)
    slug = records[0]["fields"]["slug"]
    return (
        "organisations.json",
        f"record {len(records)} ({slug}), field 'slug': duplicate key",
    )


def quotation_not_in_source(folder):
    records = read(folder, "stakeholder_responses.json")
    index, record = next(
        (i, r)
        for i, r in enumerate(records, 1)
        if r["fields"]["quotation"] and r["fields"]["source"][0] != "final-report"
    )
    record["fields"]["quotation"] += " and some words nobody said"
    write(folder, "stakeholder_responses.json", records)
    slug = record["fields"]["slug"]
    return (
        "stakeholder_responses.json",
        f"record {index} ({slug}), field 'quotation': Not found",
    )


def date_not_a_date(folder):
    records = read(folder, "reviews.json")
    records[0]["fields"]["published_on"] = "2022-02-30"
    write(folder, "reviews.json", records)
    slug = records[0]["fields"]["slug"]
    return "reviews.json", f"record 1 ({slug}), field 'published_on': "


def not_utf8(folder):
    path = folder / "organisations.json"
    path.write_bytes(
        path.read_bytes()
        .replace("’".encode(), "’".encode("cp1252"), 1)
        .replace(b"[", b"[\xff", 1)
    )
    return "organisations.json", "not UTF-8"


def document_not_utf8(folder):
    path = next((folder / "documents").glob("*.txt"))
    path.write_bytes(b"\xff" + path.read_bytes())
    return f"documents/{path.name}", "not UTF-8"


def carries_database_id(folder):
    records = read(folder, "missions.json")
    records[0]["pk"] = 7
    write(folder, "missions.json", records)
    return "missions.json", "field 'pk': fixtures must not carry database ids"


def invalid_choice(folder):
    records = read(folder, "stakeholder_responses.json")
    records[0]["fields"]["stance"] = "ecstatic"
    write(folder, "stakeholder_responses.json", records)
    return (
        "stakeholder_responses.json",
        "field 'stance': Value 'ecstatic' is not a valid choice",
    )


def deeply_nested(folder):
    # 200,000 levels: deeper than Python's recursion limit.
    (folder / "missions.json").write_text("[" * 200_000 + "]" * 200_000)
    return "missions.json", "nested too deeply"


def nested_past_the_depth_limit(folder):
    records = read(folder, "missions.json")
    value = "deep"
    for _ in range(MAX_DEPTH + 1):
        value = [value]
    records[0]["fields"]["title"] = value
    write(folder, "missions.json", records)
    slug = records[0]["fields"]["slug"]
    return "missions.json", f"record 1 ({slug}), field 'title': nested more than"


def _spoil_text(folder, name, field, escaped):
    """Set a text field of the first record to a JSON string written as `escaped`."""
    records = read(folder, name)
    records[0]["fields"][field] = "PLACEHOLDER-TO-SPOIL"
    write(folder, name, records)
    path = folder / name
    path.write_text(
        path.read_text(encoding="utf-8").replace('"PLACEHOLDER-TO-SPOIL"', escaped, 1),
        encoding="utf-8",
    )
    return records[0]["fields"]["slug"]


def lone_surrogate(folder):
    slug = _spoil_text(folder, "recommendations.json", "summary", r'"bad \ud800 here"')
    return (
        "recommendations.json",
        f"record 1 ({slug}), field 'summary': contains a lone surrogate (\\ud800)",
    )


def nul_character(folder):
    slug = _spoil_text(folder, "missions.json", "title", r'"a \u0000 b"')
    return "missions.json", f"record 1 ({slug}), field 'title': contains a NUL"


def nul_in_a_key(folder):
    records = read(folder, "missions.json")
    records[0]["fields"]["ti\u0000tle"] = "x"
    write(folder, "missions.json", records)
    return "missions.json", "field 'fields': a key contains a NUL"


def repeated_key(folder):
    records = read(folder, "missions.json")
    write(folder, "missions.json", records)
    path = folder / "missions.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"title": ', '"title": "A title that the second one hides", "title": ', 1
        ),
        encoding="utf-8",
    )
    slug = records[0]["fields"]["slug"]
    return (
        "missions.json",
        f"record 1 ({slug}), field 'title': key 'title' appears more than once",
    )


def repeated_top_level_key(folder):
    path = folder / "reviews.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"model": ', '"model": "sources.organisation", "model": ', 1
        ),
        encoding="utf-8",
    )
    return "reviews.json", "field 'model': key 'model' appears more than once"


def symlinked_fixture(folder):
    path = folder / "organisations.json"
    elsewhere = folder.parent / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    return "organisations.json", "is a symbolic link"


def symlinked_document(folder):
    path = next((folder / "documents").glob("*.txt"))
    path.unlink()
    path.symlink_to("/etc/hostname")
    return f"documents/{path.name}", "is a symbolic link"


def document_with_nul(folder):
    path = next((folder / "documents").glob("*.txt"))
    path.write_bytes(b"text\x00" + path.read_bytes())
    return f"documents/{path.name}", "contains a NUL character at offset 4"


def oversized_fixture(folder):
    # A sparse file: as big as stat() says, without writing MAX_FILE_BYTES bytes.
    with (folder / "citations.json").open("r+b") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    return "citations.json", "over the loader's limit of 20,971,520"


BAD_INPUTS = [
    corrupt_json,
    unknown_field,
    missing_reference,
    duplicate_key,
    quotation_not_in_source,
    date_not_a_date,
    not_utf8,
    document_not_utf8,
    carries_database_id,
    invalid_choice,
    deeply_nested,
    nested_past_the_depth_limit,
    lone_surrogate,
    nul_character,
    nul_in_a_key,
    repeated_key,
    repeated_top_level_key,
    symlinked_fixture,
    symlinked_document,
    document_with_nul,
    oversized_fixture,
]


# Every bad input against the mini fixtures, and one against the shipped ones.
BAD_INPUT_CASES = [
    *[pytest.param(MINI, spoil, id=spoil.__name__) for spoil in BAD_INPUTS],
    pytest.param(
        FIXTURES, quotation_not_in_source, id="shipped-quotation_not_in_source"
    ),
]


@pytest.mark.parametrize("source, spoil", BAD_INPUT_CASES)
def test_bad_input_stops_the_load_and_leaves_the_database_as_it_was(
    tmp_path, source, spoil
):
    fixtures = copy_of(source, tmp_path)
    load(fixtures=fixtures)
    Recommendation.objects.filter(pk=Recommendation.objects.first().pk).update(
        title="Edited"
    )
    before = snapshot()
    filename, message = spoil(fixtures)
    with pytest.raises(CommandError) as error:
        load("--force", "--prune", fixtures=fixtures)
    assert filename in str(error.value)
    assert message in str(error.value)
    assert snapshot() == before


def test_bad_input_on_an_empty_database_writes_nothing(fixtures):
    missing_reference(fixtures)
    with pytest.raises(CommandError):
        load(fixtures=fixtures)
    assert all(not model.objects.exists() for model in MODELS)


@pytest.mark.slow
def test_command_exits_non_zero_on_bad_input(fixtures, tmp_path):
    import subprocess
    import sys

    corrupt_json(fixtures)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_review", "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        },
    )
    assert result.returncode != 0
    assert "recommendations.json" in result.stderr


def test_fixture_change_updates_a_record_nobody_edited(fixtures):
    load(fixtures=fixtures)
    records = read(fixtures, "recommendations.json")
    slug = records[0]["fields"]["slug"]
    records[0]["fields"]["summary"] = "A corrected summary."
    write(fixtures, "recommendations.json", records)
    out = load(fixtures=fixtures)
    assert Recommendation.objects.get(slug=slug).summary == "A corrected summary."
    assert "Loaded." in out


def test_staff_edit_survives_a_reload_and_is_overwritten_only_with_force():
    load(fixtures=MINI)
    recommendation = Recommendation.objects.first()
    original = recommendation.summary
    recommendation.summary = "A curator's better summary."
    recommendation.save()

    out = load(fixtures=MINI)
    assert f"kept {recommendation.slug}: edited since the last load" in out
    recommendation.refresh_from_db()
    assert recommendation.summary == "A curator's better summary."

    out = load("--force", fixtures=MINI)
    assert f"overwrote staff edits to {recommendation.slug}" in out
    recommendation.refresh_from_db()
    assert recommendation.summary == original
    assert "No changes" in load(fixtures=MINI)


def test_staff_edit_to_many_to_many_links_is_kept():
    load(fixtures=MINI)
    recommendation = Recommendation.objects.filter(missions__isnull=False).first()
    recommendation.missions.clear()
    out = load(fixtures=MINI)
    assert f"kept {recommendation.slug}" in out
    assert not recommendation.missions.exists()


def test_removed_record_goes_only_with_prune(fixtures):
    load(fixtures=fixtures)
    citations = read(fixtures, "citations.json")
    records = read(fixtures, "key_figures.json")
    gone = records.pop()["fields"]["slug"]
    write(fixtures, "key_figures.json", records)
    write(
        fixtures,
        "citations.json",
        [c for c in citations if c["fields"].get("key_figure") != [gone]],
    )
    KeyFigure = apps.get_model("recommendations", "keyfigure")

    out = load(fixtures=fixtures)
    assert f"kept {gone}: gone from the fixtures, removed only with --prune" in out
    assert KeyFigure.objects.filter(slug=gone).exists()

    out = load("--prune", fixtures=fixtures)
    assert f"removed {gone}" in out
    assert not KeyFigure.objects.filter(slug=gone).exists()


def test_records_added_by_staff_are_never_pruned(review):
    load(fixtures=MINI)
    KeyFigure = apps.get_model("recommendations", "keyfigure")
    KeyFigure.objects.create(
        review=review,
        slug="staff-figure",
        value=1,
        unit="people",
        measures="Staff-added",
    )
    out = load("--prune", fixtures=MINI)
    assert "kept staff-figure: added by staff" in out
    assert KeyFigure.objects.filter(slug="staff-figure").exists()


def test_table_reports_each_outcome_per_model():
    out = load(fixtures=MINI)
    header = out.splitlines()[0].split()
    assert header == ["model", "created", "updated", "unchanged", "kept", "removed"]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    n = Recommendation.objects.count()
    assert rows["recommendations.recommendation"] == [str(n), "0", "0", "0", "0"]


def test_report_names_who_edited_a_kept_record_and_when(admin_user):
    load(fixtures=MINI)
    recommendation = Recommendation.objects.first()
    recommendation.summary = "A curator's better summary."
    recommendation._history_user = admin_user
    recommendation.save()
    edited_at = recommendation.history.first().history_date
    out = load(fixtures=MINI)
    assert (
        f"kept {recommendation.slug}: edited since the last load "
        f"(last by {admin_user.username}, {edited_at:%Y-%m-%d %H:%M})"
    ) in out


def test_loads_are_recorded_in_history_as_the_commands_own(fixtures):
    # The first load into an empty database says so; the change log leaves it out.
    load(fixtures=MINI)
    recommendation = Recommendation.objects.first()
    assert recommendation.history.count() >= 1
    assert {h.history_change_reason for h in recommendation.history.all()} == {
        FIRST_LOAD
    }
    assert all(h.history_user is None for h in recommendation.history.all())
    # A later load's changes are the command's own too, and are news.
    recommendation.summary = "Edited."
    recommendation.save()
    load("--force", fixtures=MINI)
    assert recommendation.history.first().history_change_reason == LOADED_BY_COMMAND


def test_forced_reload_leaves_the_overwritten_version_restorable(admin_user):
    load(fixtures=MINI)
    recommendation = Recommendation.objects.first()
    recommendation.summary = "A curator's better summary."
    recommendation._history_user = admin_user
    recommendation.save()
    load("--force", fixtures=MINI)
    recommendation.refresh_from_db()
    assert recommendation.summary != "A curator's better summary."

    overwritten = recommendation.history.filter(history_user=admin_user).first()
    overwritten.instance.save()
    recommendation.refresh_from_db()
    assert recommendation.summary == "A curator's better summary."
