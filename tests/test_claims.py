import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import (
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Recommendation,
    TimelineEvent,
)
from sources import claims
from sources.models import SourceDocument, StakeholderResponse
from tests.test_load_review import MINI, copy_of, load, read, snapshot, write


def source(published_on=None, precision="day", text=None):
    return SimpleNamespace(
        published_on=published_on,
        date_precision=precision,
        cleaned_text=text or "",
        is_captured=text is not None,
    )


def cite(excerpt, supports="", published_on=None, precision="day"):
    return SimpleNamespace(
        excerpt=excerpt,
        supports=supports,
        source=source(published_on, precision),
    )


def update(**fields):
    values = {
        "slug": "an-update",
        "date": datetime.date(2023, 2, 2),
        "date_precision": "day",
        "position": "accepted",
        "delivery_status": "",
        "detail": "The government accepted it.",
    }
    return GovernmentUpdate(**{**values, **fields})


def recommendation(**fields):
    values = {
        "slug": "a-recommendation",
        "title": "Do a thing",
        "summary": "Do the thing.",
        "chapter_basis": "inferred",
        "number": "",
    }
    return Recommendation(**{**values, **fields})


def where(violations):
    return {(v.model, v.slug, v.field) for v in violations}


GOOD = [
    cite(
        "The government accepts the recommendation",
        "position",
        datetime.date(2023, 2, 2),
    )
]


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("in 2023", {"2023"}),
        ("£3.46m", {"3.46"}),
        ("1,000 carers", {"1000"}),
        ("25% of", {"25"}),
        ("23 May 2022", {"23", "2022"}),
        ("£2.6bn over five years", {"2.6"}),
        ("16-17 year olds, 0–25", {"16", "17", "0", "25"}),
        ("the 23rd", {"23"}),
        ("2.60", {"2.6"}),
        ("17,000 children, saving £517m.", {"17000", "517"}),
    ],
)
def test_number_tokens(text, tokens):
    assert claims.number_tokens(text) == tokens


def test_chapter_references_are_not_claims():
    assert (
        claims.prose_numbers("It could belong to chapter 8 or chapters 3 and 7") == []
    )


def test_key_figure_value_compares_digits():
    assert claims.holds_number("a proposal for £2.6bn", Decimal("2.60"))
    assert claims.holds_number("about 80 recommendations", Decimal("80.00"))
    assert claims.holds_number("more than 9,000 foster carers", Decimal("9000.00"))
    assert not claims.holds_number("£26m", Decimal("2.6"))


def test_a_good_update_passes():
    assert claims.check_government_update(update(), GOOD) == []


def test_rule_a_position_needs_a_position_citation():
    found = claims.check_government_update(
        update(), [cite("The government accepts", "", datetime.date(2023, 2, 2))]
    )
    assert ("recommendations.governmentupdate", "an-update", "position") in where(found)


def test_rule_a_status_needs_a_status_citation():
    found = claims.check_government_update(update(delivery_status="piloted"), GOOD)
    assert where(found) == {
        ("recommendations.governmentupdate", "an-update", "delivery_status")
    }


def test_rule_b_date_must_be_given():
    undated = [cite("The government accepts", "position")]
    found = claims.check_government_update(update(), undated)
    assert where(found) == {("recommendations.governmentupdate", "an-update", "date")}
    dated = [*undated, cite("On 2 February 2023", "date")]
    assert claims.check_government_update(update(), dated) == []


def test_rule_b_month_precision_matches_a_source_of_that_month():
    citation = [cite("It accepts", "position", datetime.date(2023, 2, 20))]
    assert (
        claims.check_government_update(
            update(date=datetime.date(2023, 2, 1), date_precision="month"), citation
        )
        == []
    )
    assert claims.check_government_update(update(), citation) != []


def test_rule_b_a_year_dated_source_cannot_give_a_day():
    citation = [cite("It accepts", "position", datetime.date(2023, 1, 1), "year")]
    found = claims.check_government_update(
        update(date=datetime.date(2023, 1, 1)), citation
    )
    assert ("recommendations.governmentupdate", "an-update", "date") in where(found)


def test_rule_c_stated_chapter_needs_a_chapter_citation_that_names_it():
    four = Chapter(number=4, title="Unlocking the potential of family networks")
    stated = recommendation(chapter_basis="stated", chapter=four)
    found = claims.check_recommendation(stated, [cite("Do the thing")])
    assert where(found) == {
        ("recommendations.recommendation", "a-recommendation", "chapter_basis")
    }
    assert (
        claims.check_recommendation(
            stated, [cite("In chapter 4 the report", "chapter")]
        )
        == []
    )
    assert (
        claims.check_recommendation(
            stated, [cite("Unlocking the Potential of Family Networks says", "chapter")]
        )
        == []
    )
    # A citation marked as the chapter's must name this chapter, not another.
    found = claims.check_recommendation(
        stated, [cite("In chapter 5 the report", "chapter")]
    )
    assert where(found) == {
        ("recommendations.recommendation", "a-recommendation", "chapter_basis")
    }
    assert "names chapter 4 or its title" in found[0].message


def test_rule_c_number_needs_a_number_citation_holding_it():
    rec = recommendation(number="5.2")
    assert where(claims.check_recommendation(rec, [cite("Recommendation 5.2")])) == {
        ("recommendations.recommendation", "a-recommendation", "number")
    }
    assert claims.check_recommendation(rec, [cite("Recommendation 5.3", "number")])
    assert (
        claims.check_recommendation(rec, [cite("Recommendation 5.2", "number")]) == []
    )


def test_rule_d_key_figure_needs_its_value():
    figure = KeyFigure(
        slug="a-figure", value=Decimal("2.60"), unit="£bn", measures="Cost"
    )
    found = claims.check_key_figure(figure, [cite("a proposal for £2.6bn")])
    assert where(found) == {("recommendations.keyfigure", "a-figure", "value")}
    assert claims.check_key_figure(figure, [cite("£2.6bn", "value")]) == []


def test_rule_e_numbers_in_prose_must_be_in_an_excerpt():
    found = claims.check_government_update(
        update(detail="It put £200m into it, about a fifth."), GOOD
    )
    assert where(found) == {("recommendations.governmentupdate", "an-update", "detail")}
    assert "200" in found[0].message


def test_rule_e_the_inference_field_is_exempt():
    backed = update(detail="It put money in.", inference="£200m is a fifth of £1bn.")
    assert claims.check_government_update(backed, GOOD) == []


def test_rule_e_a_backed_date_may_be_repeated_in_prose():
    dated = update(detail="On 2 February 2023 it accepted it.")
    assert claims.check_government_update(dated, GOOD) == []


def test_rule_e_timeline_event_and_discrepancy():
    event = TimelineEvent(slug="an-event", title="47 areas join", description="")
    assert where(claims.check_timeline_event(event, [cite("areas join")])) == {
        ("recommendations.timelineevent", "an-event", "title")
    }
    discrepancy = Discrepancy(slug="a-gap", topic="Count", summary="80 or 70?")
    assert where(claims.check_discrepancy(discrepancy, [cite("80")])) == {
        ("recommendations.discrepancy", "a-gap", "summary")
    }


def test_rule_f_people_in_prose_must_be_in_an_excerpt():
    event = TimelineEvent(
        slug="an-event", title="Report out", description="Will Quince makes a statement"
    )
    found = claims.check_timeline_event(
        event, [cite("report published")], ["Will Quince"]
    )
    assert where(found) == {
        ("recommendations.timelineevent", "an-event", "description")
    }
    assert "Will Quince" in found[0].message
    backed = [cite("Quince told MPs")]
    assert claims.check_timeline_event(event, backed, ["Will Quince"]) == []


@pytest.mark.parametrize(
    "text, named",
    [
        ("Sir Alan Wood reviewed it.", ["Alan Wood"]),
        ("Baroness Tyler spoke.", ["Tyler"]),
        ("Cllr Jane Smith agreed.", ["Jane Smith"]),
        ("Alison Steele said so.", ["Alison Steele"]),
        # A known person's first name counts as a given name.
        ("Rachael Someone wrote.", ["Rachael Someone"]),
        # Organisations and places are not people.
        ("The John Lewis Partnership and Alan Turing Institute.", []),
        ("Family Help in Greater Manchester.", []),
    ],
)
def test_names_in_finds_people_nobody_listed(text, named):
    assert claims.names_in(text, claims.PEOPLE) == named


def test_rule_f_catches_a_name_outside_every_list():
    event = TimelineEvent(
        slug="an-event", title="Report out", description="Sir Alan Wood welcomed it"
    )
    found = claims.check_timeline_event(event, [cite("report published")], [])
    assert [(v.field, v.message) for v in found] == [
        ("description", "names Alan Wood, whom no excerpt this record cites names")
    ]
    backed = [cite("Wood said the report was welcome")]
    assert claims.check_timeline_event(event, backed, []) == []


def test_rule_f_response_person_must_be_named_when_the_source_is_captured():
    captured = SourceDocument(
        slug="a-page", capture="captured", raw_text="x", cleaned_text="A headline"
    )
    response = StakeholderResponse(
        slug="a-response",
        person="Sharon Martin",
        summary="Opposed it.",
        quotation="Sector lines up against IRO abolition",
        source=captured,
    )
    found = claims.check_stakeholder_response(response)
    assert where(found) == {("sources.stakeholderresponse", "a-response", "person")}
    captured.cleaned_text = "Sharon Martin said the sector lines up"
    assert claims.check_stakeholder_response(response) == []


def test_rule_f_response_summary_checks_numbers_against_the_quotation():
    cited = SourceDocument(slug="a-page", capture="cited")
    response = StakeholderResponse(
        slug="a-response",
        summary="It will consider the 80 recommendations.",
        quotation="The 80 recommendations are wide ranging",
        source=cited,
    )
    assert claims.check_stakeholder_response(response) == []
    response.summary = "It will consider the 81 recommendations."
    assert where(claims.check_stakeholder_response(response)) == {
        ("sources.stakeholderresponse", "a-response", "summary")
    }


@pytest.mark.parametrize(
    "text",
    ["By the research notes, X says so.", "Keoghs gives 8 February (not linked here)."],
)
def test_rule_g_no_hidden_material(text):
    discrepancy = Discrepancy(slug="a-gap", topic="Date", summary=text)
    found = claims.check_record(discrepancy, [cite("8 February")])
    assert ("recommendations.discrepancy", "a-gap", "summary") in where(found)


def test_rule_g_covers_source_descriptions():
    document = SourceDocument(slug="a-page", description="Cited in the research notes.")
    assert where(claims.check_record(document)) == {
        ("sources.sourcedocument", "a-page", "description")
    }


@pytest.mark.django_db
def test_the_shipped_fixtures_pass_every_rule(shipped_data):
    assert [str(v) for v in claims.check_database()] == []


@pytest.mark.django_db
def test_the_loader_refuses_an_unbacked_claim_naming_file_record_and_field(tmp_path):
    folder = copy_of(MINI, tmp_path)
    records = read(folder, "government_updates.json")
    records[0]["fields"]["detail"] += " It cost £999m."
    write(folder, "government_updates.json", records)
    with pytest.raises(CommandError) as error:
        call_command("load_review", "--fixtures", str(folder), verbosity=0)
    slug = records[0]["fields"]["slug"]
    assert f"government_updates.json, record 1 ({slug}), field 'detail'" in str(
        error.value
    )
    assert "999" in str(error.value)


# Claims the loader refuses, on the mini fixtures: each names the file, record and
# field of the record whose claim is unbacked, and leaves the database as it was.


def position_not_supported(folder):
    """The update's only position citation no longer says what it supports."""
    citations = read(folder, "citations.json")
    for citation in citations:
        if citation["fields"]["supports"] == "position":
            citation["fields"]["supports"] = ""
    write(folder, "citations.json", citations)
    slug = read(folder, "government_updates.json")[0]["fields"]["slug"]
    return (
        f"government_updates.json, record 1 ({slug}), field 'position': "
        "no citation supports the position"
    )


def person_not_named_in_an_excerpt(folder):
    events = read(folder, "timeline_events.json")
    events[0]["fields"]["description"] = "Will Quince welcomed it."
    write(folder, "timeline_events.json", events)
    slug = events[0]["fields"]["slug"]
    return (
        f"timeline_events.json, record 1 ({slug}), field 'description': "
        "names Will Quince, whom no excerpt this record cites names"
    )


def unlisted_person_named(folder):
    """A name in no list (PEOPLE, a response's person, the chair)."""
    events = read(folder, "timeline_events.json")
    events[0]["fields"]["description"] = "Dame Sue Berelowitz welcomed it."
    write(folder, "timeline_events.json", events)
    slug = events[0]["fields"]["slug"]
    return (
        f"timeline_events.json, record 1 ({slug}), field 'description': "
        "names Sue Berelowitz, whom no excerpt this record cites names"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoil",
    [position_not_supported, person_not_named_in_an_excerpt, unlisted_person_named],
)
def test_the_loader_refuses_an_unbacked_claim_and_leaves_the_database_as_it_was(
    tmp_path, spoil
):
    folder = copy_of(MINI, tmp_path)
    load(fixtures=folder)
    before = snapshot()
    message = spoil(folder)
    with pytest.raises(CommandError) as error:
        load("--force", "--prune", fixtures=folder)
    assert message in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_umbrella_parts_load_even_when_a_part_comes_later_in_the_file(shipped_data):
    umbrella = Recommendation.objects.get(slug="end-the-care-cliff")
    assert umbrella.kind == "umbrella"
    assert list(umbrella.parts.values_list("slug", flat=True)) == [
        "staying-put-and-staying-close-to-23"
    ]
    merged = Recommendation.objects.get(slug="national-care-standards")
    assert merged.former_slugs == ["care-for-every-child-in-care"]
