"""Celery jobs of the webhooks app: thin wrappers that carry ids and call services."""

from celery import shared_task

from webhooks import services, sweep


@shared_task(name="webhooks.fan_out", acks_late=True)
def fan_out(event_ids: list[int]) -> None:
    services.fan_out(event_ids)


@shared_task(name="webhooks.send", acks_late=True)
def send_deliveries(delivery_ids: list[int]) -> None:
    services.deliver(delivery_ids)


@shared_task(name="webhooks.sweep")
def sweep_due_deliveries() -> None:
    sweep.enqueue_due()
    sweep.purge_old()
