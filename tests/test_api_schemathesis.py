"""The API against its own OpenAPI schema, with schemathesis (issue 14): every
operation, with schema-valid and schema-invalid requests, every check. Seeded
(derandomized) and bounded (examples per operation), so that CI runs it on both
databases in well under a minute."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from recommendations.models import GovernmentUpdate
from sources.models import Citation


def in_process_app():
    """Django's WSGI application, for requests inside the test's transaction."""
    return WSGIHandler()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: a request must not close the connection that
    # holds the test's transaction (PostgreSQL would lose the test's data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


EXAMPLES_PER_OPERATION = 15
# Every check, as configured by default but one: a slug parameter is any string in
# the schema (slugs change with the data, so they are no enum), and a slug that
# names no record answers the documented 400 listing the valid ones. So 400 is an
# expected answer to a schema-valid request, beside 2xx and the 404 of a page or
# record that does not exist.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404"]}
        }
    }
)


@pytest.fixture
def api_schema(db, make_recommendation, make_response, mission, captured_source):
    recommendation = make_recommendation(slug="alpha", number="5.2")
    recommendation.missions.set([mission])
    update = GovernmentUpdate.objects.create(
        recommendation=recommendation,
        slug="alpha--2023",
        date=datetime.date(2023, 2, 1),
        date_precision="month",
        position="accepted",
        detail="Accepted.",
    )
    Citation.objects.create(
        slug="alpha--2023--cite",
        source=captured_source,
        excerpt="families need help",
        government_update=update,
    )
    make_response().recommendations.set([recommendation])
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", in_process_app(), config=CONFIG
    )


def test_every_operation_keeps_to_the_schema(api_schema):
    """schemathesis's pytest plugin does not load under this pytest, so each
    operation's strategies are run with hypothesis directly; all checks."""
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 28
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                case.call_and_validate()

            try:
                check()
            except (Exception, BaseExceptionGroup) as error:  # all, not the first
                failures.append(f"{operation.label} ({mode}): {error}")
    assert not failures, "\n\n".join(failures)
