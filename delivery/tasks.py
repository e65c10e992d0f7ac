"""Celery jobs of the delivery app: thin wrappers that carry ids and call services."""

from celery import shared_task

from delivery import engine, sweep


@shared_task(name="delivery.deliver_emails", acks_late=True)
def deliver_emails(email_pks: list[int]) -> None:
    engine.deliver_batch(email_pks)


@shared_task(name="delivery.sweep")
def sweep_due_emails() -> None:
    sweep.enqueue_due()
