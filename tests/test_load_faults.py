"""The loader's faults: control characters in any string or captured document, on
every database; and the fault matrix as a curator sees it, `manage.py load_review`
run as a command on a spoiled copy of the fixtures, on SQLite and PostgreSQL."""

import pytest
from django.apps import apps
from django.core.management import CommandError

from sources.loading import FIXTURE_FILES, _bad_string
from tests.test_load_review import MINI, copy_of, load, read, write

MODELS = [apps.get_model(label) for _, label in FIXTURE_FILES]

# Every control character the loader refuses: C0 but tab, newline and carriage
# return; DEL; C1.
REFUSED = [
    chr(code)
    for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
    + [*range(0x80, 0xA0)]
]
ALLOWED = ["\t", "\n", "\r"]


def name(character):
    return f"U+{ord(character):04X}"


def test_the_refused_characters_are_exactly_the_controls_but_tab_and_line_breaks():
    refused = [chr(code) for code in range(0x100) if _bad_string(f"a{chr(code)}b")]
    assert refused == REFUSED
    assert len(REFUSED) == 29 + 1 + 32  # C0 but three, DEL, C1
    for character in ALLOWED + [" ", "\xa0", "é", "’", "🙂"]:
        assert _bad_string(f"a{character}b") is None


def expect_refusal(fixtures, *expected):
    with pytest.raises(CommandError) as error:
        load(fixtures=fixtures)
    message = str(error.value)
    for part in expected:
        assert part in message, message
    assert "Traceback" not in message
    # Nothing was written, whatever the database.
    assert all(not model.objects.exists() for model in MODELS)
    return message


@pytest.mark.django_db
@pytest.mark.parametrize("character", REFUSED, ids=name)
def test_a_control_character_in_a_field_is_refused_naming_file_record_and_field(
    tmp_path, character
):
    fixtures = copy_of(MINI, tmp_path)
    records = read(fixtures, "missions.json")
    records[0]["fields"]["summary"] = f"Before{character}after"
    # json.dumps escapes C0 controls (\u0007) and writes DEL and C1 as themselves.
    write(fixtures, "missions.json", records)
    slug = records[0]["fields"]["slug"]
    what = "a NUL character" if character == "\x00" else "a control character"
    expect_refusal(
        fixtures,
        "missions.json",
        f"record 1 ({slug}), field 'summary': contains {what}",
        "at position 6",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f", "\x85"], ids=name)
def test_a_control_character_written_unescaped_is_named_by_record_and_field(
    tmp_path, character
):
    """JSON forbids a raw control character in a string, so the parser stops at
    it; the loader still says which record and field hold it."""
    fixtures = copy_of(MINI, tmp_path)
    path = fixtures / "missions.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('"A decent home"', f'"A decent{character} home"'),
        encoding="utf-8",
    )
    expect_refusal(
        fixtures,
        "missions.json",
        "record 1 (a-decent-home), field 'title': contains a",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("character", ALLOWED, ids=name)
def test_a_tab_or_line_break_written_unescaped_is_malformed_json(tmp_path, character):
    fixtures = copy_of(MINI, tmp_path)
    path = fixtures / "missions.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"A decent home"', f'"A decent{character} home"'
        ),
        encoding="utf-8",
    )
    expect_refusal(fixtures, "missions.json", "malformed JSON at line 10, column 25")


@pytest.mark.django_db
@pytest.mark.parametrize("character", ALLOWED, ids=name)
def test_tabs_and_line_breaks_escaped_in_a_field_load(tmp_path, character):
    fixtures = copy_of(MINI, tmp_path)
    records = read(fixtures, "missions.json")
    records[0]["fields"]["summary"] = f"Before{character}after"
    write(fixtures, "missions.json", records)
    assert "Loaded." in load(fixtures=fixtures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "character", ["\x00", "\x08", "\x1f", "\x7f", "\x9f"], ids=name
)
def test_a_control_character_in_a_key_is_refused(tmp_path, character):
    fixtures = copy_of(MINI, tmp_path)
    records = read(fixtures, "missions.json")
    records[0]["fields"][f"ti{character}tle"] = "x"
    write(fixtures, "missions.json", records)
    expect_refusal(
        fixtures,
        "missions.json",
        "record 1 (a-decent-home), field 'fields': a key contains a",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "character", ["\x00", "\x07", "\x0c", "\x1b", "\x7f", "\x80", "\x9f"], ids=name
)
def test_a_control_character_in_a_captured_document_is_refused(tmp_path, character):
    fixtures = copy_of(MINI, tmp_path)
    document = sorted((fixtures / "documents").glob("*.txt"))[0]
    document.write_text(
        "First line\nSecond" + character + document.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    index, record = next(
        (i, r)
        for i, r in enumerate(read(fixtures, "source_documents.json"), 1)
        if r["fields"]["slug"] == document.stem
    )
    expect_refusal(
        fixtures,
        f"documents/{document.name}",
        "at offset 17 (line 2)",
        f"it is the captured text of source_documents.json record {index} "
        f"({document.stem})",
    )
