"""Promised dates: a government commitment with its due date, in a source's words,
and whether it is due, overdue, met or met late."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from sources.models import Commitment, CommitmentState, period_end

TODAY = datetime.date(2026, 12, 4)


@pytest.fixture
def make_commitment(make_recommendation, captured_source):
    def make(recommendation=None, **fields):
        n = Commitment.objects.count() + 1
        fields.setdefault("slug", f"commitment-{n}")
        fields.setdefault("promise", f"Promise {n}")
        fields.setdefault("due_precision", "day")
        fields.setdefault("excerpt", "families need help")
        fields.setdefault("source", captured_source)
        if fields.get("met_on"):
            fields.setdefault("met_source", captured_source)
            fields.setdefault("met_excerpt", "families need help")
        return Commitment.objects.create(
            recommendation=recommendation or make_recommendation(), **fields
        )

    return make


@pytest.mark.parametrize(
    ("day", "precision", "end"),
    [
        (datetime.date(2022, 1, 1), "year", datetime.date(2022, 12, 31)),
        (datetime.date(2024, 2, 1), "month", datetime.date(2024, 2, 29)),
        (datetime.date(2026, 9, 1), "month", datetime.date(2026, 9, 30)),
        (datetime.date(2025, 10, 1), "day", datetime.date(2025, 10, 1)),
    ],
)
def test_a_due_date_lasts_to_the_end_of_its_period(day, precision, end):
    assert period_end(day, precision) == end


@pytest.mark.parametrize(
    ("due_on", "precision", "met_on", "state"),
    [
        # "before the end of 2022", met on 2 February 2023
        ("2022-01-01", "year", "2023-02-02", CommitmentState.MET_LATE),
        ("2022-01-01", "year", "2022-12-31", CommitmentState.MET),
        ("2026-09-01", "month", None, CommitmentState.OVERDUE),
        ("2026-12-01", "month", None, CommitmentState.DUE),  # December not over
        ("2026-12-03", "day", None, CommitmentState.OVERDUE),
        ("2026-12-04", "day", None, CommitmentState.DUE),
        ("2026-01-01", "year", None, CommitmentState.DUE),
        ("2025-01-01", "year", None, CommitmentState.OVERDUE),
    ],
)
def test_state_against_today_and_the_day_it_was_met(
    make_commitment, due_on, precision, met_on, state
):
    commitment = make_commitment(
        due_on=datetime.date.fromisoformat(due_on),
        due_precision=precision,
        met_on=met_on and datetime.date.fromisoformat(met_on),
    )
    assert commitment.state(TODAY) == state
    # The database agrees, so the list filter and the tracker count the same.
    assert list(Commitment.objects.in_state(state, TODAY)) == [commitment]
    others = set(CommitmentState) - {state}
    for other in others:
        assert not Commitment.objects.in_state(other, TODAY).exists()


def test_the_recommendation_page_shows_the_promise_in_the_sources_words(
    client, make_commitment
):
    commitment = make_commitment(
        promise="Publish a response",
        due_on=datetime.date(2022, 1, 1),
        due_precision="year",
        met_on=datetime.date(2023, 2, 2),
        excerpt="families need help",
    )
    response = client.get(commitment.recommendation.get_absolute_url())
    assertContains(response, "Promised dates")
    assertContains(response, "Met late")
    assertContains(response, "Publish a response")
    assertContains(response, "Promised for the end of <time")
    assertContains(response, "2 February 2023")
    assertContains(response, "“families need help”", count=2)


def test_the_list_filters_by_overdue_promises_and_counts_them(
    client, make_commitment, make_recommendation
):
    overdue = make_commitment(due_on=datetime.date(2020, 1, 1)).recommendation
    later = make_commitment(due_on=datetime.date(2999, 1, 1)).recommendation
    make_recommendation(title="No promise")
    response = client.get("/recommendations/?commitment=overdue")
    assertContains(response, overdue.title)
    assertNotContains(response, later.title)
    assertNotContains(response, "No promise")
    assertContains(response, "Promised dates")
    assertContains(response, 'value="overdue" checked')


def test_the_tracker_counts_recommendations_with_an_overdue_promise(
    client, make_commitment
):
    make_commitment(due_on=datetime.date(2020, 1, 1))
    response = client.get("/tracker/")
    assertContains(response, "With an overdue promise")
    assertContains(response, "?position=no_response_found&amp;commitment=overdue")
    assertContains(
        response,
        '1<span class="govuk-visually-hidden"> recommendation with an overdue promise',
    )
