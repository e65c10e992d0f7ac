"""The event listener: runs after each commit that recorded events (delivery.events.on_events).

It never sends anything itself: one indexed query answers "does any of these accounts have a
webhook?" (nearly free when none has), and only then a job carrying the event ids is enqueued.
"""

from __future__ import annotations

from webhooks import services


def on_new_events(event_ids: list[int]) -> None:
    if not event_ids or not services.accounts_with_webhooks(event_ids):
        return
    from webhooks.tasks import fan_out

    fan_out.delay(list(event_ids))
