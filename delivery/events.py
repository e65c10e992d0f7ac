"""The one way events are recorded, so statistics and webhooks see every event the same way."""

from __future__ import annotations

from collections.abc import Iterable

from delivery.models import Event


def record_many(events: Iterable[Event]) -> list[Event]:
    """Insert events (already built, unsaved) and return them with ids."""
    return Event.objects.bulk_create(list(events))


def record(**fields) -> Event:
    return record_many([Event(**fields)])[0]
