"""The scheduler that makes PostgreSQL, not the broker, the truth about pending work.

Every run enqueues (1) emails whose retry time has come, (2) emails that were committed but never
handed to the broker or whose job was lost (enqueued long ago, still pending, not leased), and
releases nothing: an expired lease simply makes the email eligible again.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from delivery.models import Email, EmailStatus

LOST_JOB_AFTER = timedelta(minutes=10)
HANDOVER_GRACE = timedelta(seconds=30)
BATCH = 1000


def due_email_pks(*, now=None, limit: int = BATCH) -> list[int]:
    now = now or timezone.now()
    pending = Email.objects.filter(status__in=[EmailStatus.REQUESTING, EmailStatus.SOFT_BOUNCE]).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    due_retry = Q(next_attempt_at__isnull=False, next_attempt_at__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))
    )
    # A fresh email is handed over by the on_commit hook; give that a moment before stepping in.
    never_handed_over = Q(next_attempt_at__isnull=True, enqueued_at__isnull=True, created_at__lt=now - HANDOVER_GRACE)
    lost = Q(enqueued_at__lt=now - LOST_JOB_AFTER) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return list(pending.filter(due_retry | never_handed_over | lost).order_by("id").values_list("pk", flat=True)[:limit])


def enqueue_due(*, now=None) -> int:
    from delivery.services import enqueue

    pks = due_email_pks(now=now)
    if pks:
        enqueue(pks)
    return len(pks)
