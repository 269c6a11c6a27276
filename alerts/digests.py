"""What goes in a subscription's digest: the public changes about its target since
its last digest, read through the portal's change-log engine
(review_portal/lib/history.py over review_portal.changes.TRACKED_BY_KIND), so a digest
says exactly what "What's changed" says, and gains any kind of change it gains."""

from dataclasses import dataclass, field

from django.utils import timezone

from alerts.messages import absolute
from recommendations.models import GovernmentUpdate
from review_portal.changes import TRACKED_BY_KIND, public_changes
from review_portal.lib.history import change_keys, format_day
from sources.models import StakeholderResponse

# At most this many changes in one digest; the rest are on the record's history.
DIGEST_LIMIT = 100


@dataclass
class Entry:
    when: str
    summary: str
    url: str
    details: list[str] = field(default_factory=list)


def _record_ids(kind, changes):
    """{history_id: record id} of `changes` of one kind."""
    history = TRACKED_BY_KIND[kind].history
    ids = [change.history_id for change in changes if change.tracked.kind == kind]
    return dict(history.filter(history_id__in=ids).values_list("history_id", "id"))


def _sources_of_updates(changes):
    """history_id -> the lines saying what each government update states and where."""
    record_ids = _record_ids("governmentupdate", changes)
    updates = GovernmentUpdate.objects.filter(
        pk__in=set(record_ids.values())
    ).prefetch_related("citations__source")
    by_pk = {update.pk: update for update in updates}
    lines = {}
    for history_id, pk in record_ids.items():
        update = by_pk.get(pk)
        if update is None:
            continue
        found = [f"Date of the update: {format_day(update.date)}"]
        if update.date_precision != "day":
            found[0] += f" (only the {update.date_precision} is known)"
        if update.position:
            found.append(f"Position: {update.get_position_display()}")
        if update.delivery_status:
            found.append(f"Delivery: {update.get_delivery_status_display()}")
        for citation in update.citations.all():
            found.append(
                f"Source: {citation.source.title} "
                f"({absolute(citation.source.get_absolute_url())})"
            )
        lines[history_id] = found
    return lines


def _sources_of_responses(changes):
    record_ids = _record_ids("stakeholderresponse", changes)
    responses = StakeholderResponse.objects.filter(
        pk__in=set(record_ids.values())
    ).select_related("source")
    by_pk = {response.pk: response for response in responses}
    return {
        history_id: [
            f"Source: {by_pk[pk].source.title} "
            f"({absolute(by_pk[pk].source.get_absolute_url())})"
        ]
        for history_id, pk in record_ids.items()
        if pk in by_pk
    }


def _short(text, limit=300):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes_for(target, since, until):
    """The shown Changes about `target` in [since, until), newest first."""
    trackeds = [TRACKED_BY_KIND[kind] for kind in target.scope]
    keys = change_keys(trackeds, since=since, until=until, scope=target.scope)
    window = [(key["record_type"], key["history_id"]) for key in keys[:DIGEST_LIMIT]]
    return [c for c in public_changes(window) if c.is_shown]


def entries_for(target, since, until):
    changes = changes_for(target, since, until)
    details = {
        **{("governmentupdate", k): v for k, v in _sources_of_updates(changes).items()},
        **{
            ("stakeholderresponse", k): v
            for k, v in _sources_of_responses(changes).items()
        },
    }
    entries = []
    for change in changes:
        lines = [
            f"{fc.label}: "
            + (
                ", ".join(
                    [f"added {a}" for a in fc.added]
                    + [f"removed {r}" for r in fc.removed]
                )
                if fc.is_many
                else f"was “{_short(fc.old) or 'empty'}”, now “{_short(fc.new) or 'empty'}”"
            )
            for fc in change.fields
        ]
        lines += details.get((change.tracked.kind, change.history_id), [])
        entries.append(
            Entry(
                when=format_day(timezone.localtime(change.date)),
                summary=change.summary,
                url=absolute(change.url) if change.url else "",
                details=lines,
            )
        )
    return entries
