"""The one way events are recorded, so statistics and webhooks see every event the same way.

Apps that react to events (webhooks) register a listener with ``on_events``; listeners get the
new events' ids after the recording transaction commits, so they never see rolled-back events
and never run inside the sender's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from delivery.models import Event

EventListener = Callable[[list[int]], None]
_listeners: list[EventListener] = []


def on_events(listener: EventListener) -> None:
    """Call ``listener(event_ids)`` after each commit that recorded events."""
    if listener not in _listeners:
        _listeners.append(listener)


def record_many(events: Iterable[Event]) -> list[Event]:
    """Insert events (built, unsaved) and return them with ids."""
    created = Event.objects.bulk_create(list(events))
    ids = [event.pk for event in created]
    if ids:
        for listener in _listeners:
            transaction.on_commit(lambda listener=listener: listener(ids), robust=True)
    return created


def record(**fields) -> Event:
    return record_many([Event(**fields)])[0]
