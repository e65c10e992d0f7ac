"""The delivery engine: claim emails with a short lease, run the pipeline, hand them over (SMTP or the
sandbox), and record every attempt and its consequences.

No transaction is held across network I/O: the claim commits before any SMTP conversation, and
each result is recorded in its own short transaction afterwards.  A worker that dies mid-delivery
leaves a lease that expires; the sweep then hands the email to another worker.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from delivery import outcomes, pipeline, smtp_client
from delivery.events import record_many
from delivery.models import (
    DeliveryAttempt,
    Email,
    EmailStatus,
    Event,
    EventType,
    Outcome,
    SandboxMessage,
    Suppression,
    SuppressionKind,
)
from delivery.outcomes import Result
from delivery.services import suppressed_addresses

logger = logging.getLogger(__name__)

PENDING = (EmailStatus.REQUESTING, EmailStatus.SOFT_BOUNCE)
MAX_BOUNCE_SUPPRESSION = timedelta(days=30)
ADDRESS_NOT_FOUND = 406


def claim(email_pks: list[int], *, now=None) -> list[Email]:
    """Lease the pending, due, unleased emails among ``email_pks``; commits before returning."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Email.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=email_pks, status__in=PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        Email.objects.filter(pk__in=[e.pk for e in rows]).update(
            lease_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        )
    return list(
        Email.objects.filter(pk__in=[e.pk for e in rows])
        .select_related("request__api_user__domain", "request__label", "account")
        .prefetch_related("request__attachments")  # one query for all, not two per email in mime.build
        .order_by("pk")
    )


RECORD_EVERY = 20  # results committed together: fewer commits, at most this many re-sent after a crash


class Recorder:
    """Collects attempts as the SMTP conversation produces them and commits them in small groups."""

    def __init__(self, flush_every: int = RECORD_EVERY):
        self.flush_every = flush_every
        self.pending: list[smtp_client.Attempt] = []

    def append(self, attempt: smtp_client.Attempt) -> None:
        self.pending.append(attempt)
        if len(self.pending) >= self.flush_every:
            self.flush()

    def extend(self, attempts) -> None:
        for attempt in attempts:
            self.append(attempt)

    def flush(self) -> None:
        if self.pending:
            record_results([(a.prepared.email, a.result, a.started_at, a.duration_ms) for a in self.pending])
            self.pending = []


def deliver_batch(email_pks: list[int]) -> None:
    emails = claim(email_pks)
    by_domain: dict[str, list[Email]] = defaultdict(list)
    for email in _drop_suppressed(emails):
        by_domain[email.recipient_domain].append(email)
    for domain, group in by_domain.items():
        prepared = []
        for email in group:
            try:
                prepared.append(pipeline.prepare(email))
            except Exception as error:  # a bug in one email's content must not stop the others
                logger.exception("could not prepare email %s", email.email_id)
                record_result(email, Result(Outcome.TEMPORARY, sub_status=509, reply=f"internal error: {error}"))
        recorder = Recorder()
        if settings.DELIVERY_SANDBOX:
            recorder.extend(_keep_in_sandbox(p) for p in prepared)
        else:
            smtp_client.deliver(domain, prepared, attempts=recorder)
        recorder.flush()


def _drop_suppressed(emails: list[Email]) -> list[Email]:
    """Addresses suppressed since the request was accepted become invalid without an attempt."""
    keep = []
    by_account: dict[int, list[Email]] = defaultdict(list)
    for email in emails:
        by_account[email.account_id].append(email)
    for group in by_account.values():
        suppressed = suppressed_addresses(group[0].account, [e.recipient for e in group])
        for email in group:
            if email.recipient in suppressed:
                record_result(email, Result(Outcome.PERMANENT, sub_status=suppressed[email.recipient],
                                            reply="suppressed: the address is on a block list"), attempted=False)
            else:
                keep.append(email)
    return keep


def _keep_in_sandbox(prepared: pipeline.Prepared) -> smtp_client.Attempt:
    email = prepared.email
    SandboxMessage.objects.update_or_create(
        email=email,
        defaults={"account_id": email.account_id, "envelope_from": prepared.envelope_from,
                  "recipient": prepared.recipient, "data": prepared.data},
    )
    result = Result(Outcome.DELIVERED, smtp_code=250, reply="250 kept in the sandbox inbox", mx_host="sandbox")
    return smtp_client.Attempt(prepared, result, timezone.now(), 0)


def record_result(email: Email, result: Result, *, started_at=None, duration_ms: int = 0,
                  attempted: bool = True, now=None) -> None:
    record_results([(email, result, started_at, duration_ms)], attempted=attempted, now=now)


UPDATED_FIELDS = ["status", "sub_status", "last_log", "attempt_count", "next_attempt_at", "lease_until", "updated_at"]


def record_results(items: list[tuple[Email, Result, object, int]], *, attempted: bool = True, now=None) -> None:
    """Apply attempts' results in one transaction: attempt rows, the emails' status, their events,
    bounce suppression."""
    now = now or timezone.now()
    attempts, events, emails = [], [], []
    with transaction.atomic():
        for email, result, started_at, duration_ms in items:
            if attempted:
                attempts.append(DeliveryAttempt(
                    email=email, started_at=started_at or now, duration_ms=duration_ms, mx_host=result.mx_host,
                    ip=result.ip, smtp_code=result.smtp_code, enhanced_status=result.enhanced_status,
                    reply=result.reply[:2000], outcome=result.outcome, tls=result.tls,
                ))
                email.attempt_count += 1
            email.lease_until = None
            email.last_log = _log_line(result)
            email.updated_at = now  # bulk_update does not apply auto_now
            event_type, detail = _apply(email, result, now=now)
            emails.append(email)
            events.append(Event(account_id=email.account_id, request_id=email.request_id, email=email,
                                event=event_type, sub_status=email.sub_status, detail=detail))
        DeliveryAttempt.objects.bulk_create(attempts)
        _update_emails(emails)
        record_many(events)


def _update_emails(emails: list[Email]) -> None:
    """Write the result fields of ``emails``.  On PostgreSQL one ``UPDATE … FROM (VALUES …)``;
    Django's bulk_update builds a CASE per field and row, which cost more than the SMTP exchange."""
    if connection.vendor != "postgresql":
        Email.objects.bulk_update(emails, UPDATED_FIELDS)
        return
    rows = ", ".join(["(%s::bigint, %s::integer, %s::integer, %s::text, %s::integer, %s::timestamptz, "
                      "%s::timestamptz, %s::timestamptz)"] * len(emails))
    params = [value for e in emails for value in (e.pk, e.status, e.sub_status, e.last_log, e.attempt_count,
                                                   e.next_attempt_at, e.lease_until, e.updated_at)]
    sets = ", ".join(f"{field} = v.{field}" for field in UPDATED_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Email._meta.db_table} AS e SET {sets} FROM (VALUES {rows}) "  # noqa: S608 - fixed names
            f"AS v(id, {', '.join(UPDATED_FIELDS)}) WHERE e.id = v.id",
            params,
        )


def _apply(email: Email, result: Result, *, now) -> tuple[int, dict]:
    detail = {"reply": result.reply, "mxHost": result.mx_host, "ip": result.ip, "smtpCode": result.smtp_code}
    if result.outcome == Outcome.DELIVERED:
        email.status, email.sub_status, email.next_attempt_at = EmailStatus.DELIVERED, None, None
        return EventType.DELIVER, detail
    if result.outcome == Outcome.TEMPORARY:
        age = now - email.created_at
        if age < timedelta(hours=settings.DELIVERY_MAX_AGE_HOURS):
            email.status, email.sub_status = EmailStatus.SOFT_BOUNCE, result.sub_status
            email.next_attempt_at = now + outcomes.next_wait(max(email.attempt_count, 1), result.retry_after)
            return EventType.SOFT_BOUNCE, detail
        # Too old to keep trying: a temporary failure becomes final.
        email.status, email.next_attempt_at = EmailStatus.INVALID, None
        email.sub_status = 403 if result.sub_status == 503 else 409
        detail["cause"] = f"gave up after {settings.DELIVERY_MAX_AGE_HOURS} hours"
        return EventType.INVALID, detail
    email.status, email.sub_status, email.next_attempt_at = EmailStatus.INVALID, result.sub_status, None
    if result.sub_status == ADDRESS_NOT_FOUND:
        _suppress_bounced(email, result.reply, now=now)
    return EventType.INVALID, detail


def _suppress_bounced(email: Email, reason: str, *, now) -> None:
    """The n-th hard bounce of an address suppresses it for 2^n hours, at most 30 days."""
    row, created = Suppression.objects.select_for_update().get_or_create(
        account_id=email.account_id, address=email.recipient, kind=SuppressionKind.BOUNCE,
        defaults={"reason": reason, "api_user_id": email.request.api_user_id, "label_id": email.request.label_id,
                  "hits": 1, "expires_at": now + timedelta(hours=2)},
    )
    if not created:
        row.hits += 1
        row.reason = reason
        row.expires_at = now + min(timedelta(hours=2**row.hits), MAX_BOUNCE_SUPPRESSION)
        row.save(update_fields=["hits", "reason", "expires_at", "updated_at"])


def _log_line(result: Result) -> str:
    where = f" ({result.mx_host})" if result.mx_host else ""
    if result.outcome == Outcome.DELIVERED:
        return f"successfully delivered{where}: {result.reply}".strip()
    return f"{result.outcome}{where}: {result.reply}".strip()
