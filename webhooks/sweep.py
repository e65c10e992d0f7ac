"""The beat job that makes PostgreSQL, not the broker, the truth about webhook deliveries.

Every run enqueues deliveries whose retry time has come, deliveries committed but never handed to
the broker, and deliveries whose job was lost (enqueued long ago, still pending, not leased); and
it forgets what is old: delivered rows and attempts after ``KEEP_FOR``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from webhooks.models import Attempt, DeliveryStatus, WebhookDelivery

LOST_JOB_AFTER = timedelta(minutes=10)
HANDOVER_GRACE = timedelta(seconds=30)
KEEP_FOR = timedelta(days=30)
BATCH = 2000


def due_deliveries(*, now=None, limit: int = BATCH) -> list[tuple[int, int]]:
    """(delivery id, webhook id) of what should be sent now, oldest event first."""
    now = now or timezone.now()
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, webhook__available=True).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    due_retry = Q(next_attempt_at__isnull=False, next_attempt_at__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))
    )
    never_handed_over = Q(next_attempt_at__isnull=True, enqueued_at__isnull=True, created_at__lt=now - HANDOVER_GRACE)
    lost = Q(enqueued_at__lt=now - LOST_JOB_AFTER) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return list(
        pending.filter(due_retry | never_handed_over | lost).order_by("event_id").values_list("pk", "webhook_id")[:limit]
    )


def due_delivery_ids(*, now=None) -> list[int]:
    return [pk for pk, _webhook in due_deliveries(now=now)]


def enqueue_due(*, now=None) -> int:
    from webhooks.services import enqueue

    by_webhook: dict[int, list[int]] = defaultdict(list)
    rows = due_deliveries(now=now)
    for pk, webhook_id in rows:
        by_webhook[webhook_id].append(pk)
    if by_webhook:
        enqueue(by_webhook, now=now)
    return len(rows)


def purge_old(*, now=None) -> int:
    """Delete attempts and delivered deliveries older than KEEP_FOR; failed and missed ones stay."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    attempts, _ = Attempt.objects.filter(started_at__lt=cutoff).delete()
    delivered, _ = WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED, delivered_at__lt=cutoff).delete()
    return attempts + delivered
