"""The loader's faults: control characters in any string or captured document, on
every database; and the fault matrix as a curator sees it, `manage.py load_review`
run as a command on a spoiled copy of the fixtures, on SQLite and PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError
from django.db import connection

from recommendations.models import Review
from sources.loading import FIXTURE_FILES, _bad_string
from tests.test_load_concurrency import command_env, postgres_url
from tests.test_load_review import (
    BAD_INPUTS,
    FIXTURES,
    MINI,
    _spoil_text,
    copy_of,
    load,
    read,
    write,
)

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


# The fault matrix, as a curator meets it: `manage.py load_review` in a process of
# its own, on a copy of the shipped fixtures spoiled one way, against a database
# holding the shipped data. Each must exit non-zero with a message naming the file
# (and the record and field, where there is one), print no traceback and leave the
# database exactly as it was. SQLite: a copy of the test database's file per case;
# PostgreSQL: the test database itself.


def control_character(folder):
    slug = _spoil_text(folder, "recommendations.json", "summary", r'"ring \u0007 bell"')
    return (
        "recommendations.json",
        f"record 1 ({slug}), field 'summary': contains a control character (\\u0007)",
    )


def c1_control_character(folder):
    records = read(folder, "organisations.json")
    records[0]["fields"]["name"] += "\x85"
    write(folder, "organisations.json", records)
    slug = records[0]["fields"]["slug"]
    return (
        "organisations.json",
        f"record 1 ({slug}), field 'name': contains a control character (\\u0085)",
    )


def document_with_control_character(folder):
    path = sorted((folder / "documents").glob("*.txt"))[0]
    path.write_bytes(b"text\x1b[31m" + path.read_bytes())
    return f"documents/{path.name}", "control character (\\u001b) at offset 4 (line 1)"


def documents_folder_symlinked_out(folder):
    outside = folder.parent / "elsewhere"
    (folder / "documents").rename(outside)
    (folder / "documents").symlink_to(outside)
    return "documents", "is outside"


def missing_file(folder):
    (folder / "citations.json").unlink()
    return "citations.json", "file is missing"


def unexpected_file(folder):
    (folder / "recommendation.json").write_text("[]")
    return "recommendation.json", "unexpected fixture file"


FAULTS = [
    *BAD_INPUTS,
    control_character,
    c1_control_character,
    document_with_control_character,
    documents_folder_symlinked_out,
    missing_file,
    unexpected_file,
]


def table_rows(cursor, tables):
    """Every row of every table, in a stable order: what "unchanged" compares."""
    state = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT * FROM "{table}"')
        state[table] = sorted(repr(row) for row in cursor.fetchall())
    return state


def sqlite_state(path):
    with closing(sqlite3.connect(path)) as db:
        cursor = db.cursor()
        tables = [
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return table_rows(cursor, tables)


def postgresql_state():
    with connection.cursor() as cursor:
        return table_rows(cursor, connection.introspection.table_names(cursor))


@pytest.fixture(scope="module")
def sqlite_template(shipped_data, django_db_blocker, tmp_path_factory):
    """The test database (migrated, with the shipped data) as a file, copied by
    SQLite's backup API: each case gets a copy of it, faster than migrating and
    loading one. None on PostgreSQL, whose cases use the test database itself."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
    # Before any test's transaction: the backup would wait for it forever.
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
    return path


@pytest.fixture
def database(sqlite_template, shipped_data, db, tmp_path):
    """(DATABASE_URL for the command, a function giving the database's state):
    the test database on PostgreSQL (the shipped data is committed in it), a copy
    of it on SQLite (an in-memory database no other process can open)."""
    if connection.vendor == "postgresql":
        return postgres_url(), postgresql_state
    copy = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite:///{copy}", lambda: sqlite_state(copy)


def record_in_matrix(case, returncode, message, unchanged):
    """With FAULT_MATRIX=<file>, add the case's row to a Markdown table there (for
    the README's table)."""
    if matrix := os.environ.get("FAULT_MATRIX"):
        message = message.replace("|", r"\|")
        with open(matrix, "a", encoding="utf-8") as file:
            file.write(
                f"| {case} | {connection.vendor} | {returncode} | {message} | "
                f"{'yes' if unchanged else 'NO'} |\n"
            )


def edited_copy(tmp_path):
    """A copy of the shipped fixtures with one change in the file that loads first,
    so that a load that fails later has written something to roll back."""
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    records = read(fixtures, "reviews.json")
    records[0]["fields"]["title"] += " (edited)"
    write(fixtures, "reviews.json", records)
    return fixtures


def run_load(database_url, fixtures):
    return subprocess.run(
        [sys.executable, "manage.py", "load_review", "--force", "--prune"]
        + ["--fixtures", str(fixtures)],
        cwd=settings.BASE_DIR,
        env=command_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_state_compared_sees_what_a_load_writes(database, tmp_path):
    """The edited copy, unspoiled, loads, and the state compared below sees it: so
    "unchanged" means something."""
    database_url, state = database
    before = state()
    if connection.vendor == "postgresql":
        # Not committed in the test database the session shares: an edit in this
        # test's transaction, rolled back at its end.
        Review.objects.update(title="Edited")
    else:
        result = run_load(database_url, edited_copy(tmp_path))
        assert result.returncode == 0, result.stderr
    assert state() != before


@pytest.mark.slow
@pytest.mark.parametrize("spoil", FAULTS, ids=lambda spoil: spoil.__name__)
def test_load_review_refuses_each_fault_by_name_and_leaves_the_database_as_it_was(
    database, tmp_path, spoil
):
    database_url, state = database
    fixtures = edited_copy(tmp_path)
    filename, message = spoil(fixtures)
    before = state()
    result = run_load(database_url, fixtures)
    after = state()
    shown = result.stderr.strip().replace(f"{fixtures}/", "")
    record_in_matrix(spoil.__name__, result.returncode, shown, after == before)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert filename in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert after == before
