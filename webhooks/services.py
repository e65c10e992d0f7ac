"""Writes of the webhooks app: configuration (with the URL test), the APP KEY, fan-out of events to
delivery rows, sending with retries and URL health, refresh, replay and simulated pushes.

How a delivery lives (targets.md R4):

* ``fan_out`` turns new events into one ``WebhookDelivery`` per matching webhook (PENDING, or MISSED
  when the webhook is unavailable) and enqueues one job per webhook carrying delivery ids.
* ``deliver`` claims due rows with a lease (``SELECT ... FOR UPDATE SKIP LOCKED``; no transaction is
  held across HTTP), POSTs them in event order and records every attempt.  Only HTTP 200 within
  3 seconds counts.  A failure is retried after 1, 2, 4, 8, 16 minutes, then hourly (+-10 % jitter)
  until ``retry_until`` (24 hours after the event) has passed; then it is FAILED.
* A URL that has answered nothing but failures for ``UNAVAILABLE_AFTER`` becomes unavailable (the
  red dot): its pending deliveries become MISSED and new events are recorded as MISSED without
  being sent, until ``refresh`` (which re-tests the URL) restores it.  FAILED and MISSED deliveries
  stay visible and ``replay`` sends them again.
* Within one webhook, the events of one email (and the request event before them) are sent in the
  order they happened: a delivery waits while an earlier one of the same email is still pending.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User, new_app_key
from apiusers.models import ApiUser
from delivery.models import Event
from webhooks import payloads, safe_http, vocabulary
from webhooks.models import Attempt, AttemptKind, DeliveryStatus, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt of one delivery; the last one repeats.
RETRY_SCHEDULE = [
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=4),
    timedelta(minutes=8),
    timedelta(minutes=16),
    timedelta(hours=1),
]
JITTER = 0.1
RETRY_WINDOW = timedelta(hours=24)  # a delivery is retried at least this long
UNAVAILABLE_AFTER = timedelta(hours=24)  # nothing but failures for this long: the URL is unavailable
LEASE = timedelta(minutes=5)
SEND_BUDGET = timedelta(minutes=2)  # one job stops sending after this and leaves the rest to the sweep
BLOCKED_RECHECK = timedelta(seconds=30)  # a delivery waiting for an earlier one of the same email
JOB_BATCH = 20  # deliveries per job: at most ~JOB_BATCH x 3 s of one worker for one receiver
MAX_WEBHOOKS_PER_ACCOUNT = 50
EXCERPT_BYTES = 1024  # the first bytes of each reply kept with the attempt
UNAVAILABLE_NOTE = "not sent: the webhook was unavailable"


class WebhookError(Exception):
    """A refused configuration change, with SendCloud's 407xx statusCode and a reason for people."""

    def __init__(self, status_code: int, reason: str):
        self.status_code = status_code
        self.reason = reason
        super().__init__(reason)


class NotAvailable(Exception):
    """The webhook is unavailable: refresh it before replaying."""


# --- configuration --------------------------------------------------------------------------------


@dataclass
class ProbeResult:
    ok: bool
    reason: str = ""
    replies: list[tuple[str, safe_http.Reply]] = field(default_factory=list)


def probe(*, url: str, app_key: str, webhook: Webhook | None = None, now=None) -> ProbeResult:
    """SendCloud's URL test: GET and POST must both answer HTTP 200 within 3 seconds.

    The POST carries only ``timestamp``, ``token`` and ``signature`` (signed with the APP KEY), so a
    receiver that checks signatures accepts it.  With ``webhook`` the requests are kept as attempts.
    """
    result = ProbeResult(ok=True)
    for method in ("GET", "POST"):
        started = now or timezone.now()
        if method == "GET":
            reply = safe_http.request("GET", url)
        else:
            body = payloads.encode(payloads.signed({}, app_key=app_key))
            reply = safe_http.request("POST", url, body=body, content_type=payloads.CONTENT_TYPE)
        result.replies.append((method, reply))
        if webhook is not None:
            _record_attempt(webhook=webhook, kind=AttemptKind.PROBE, method=method, reply=reply, started_at=started)
        if not reply.ok:
            result.ok = False
            result.reason = f"{method} {url}: {reply.describe()}"
            break
    return result


def category_api_user(account: User, category_name: str) -> ApiUser | None:
    name = (category_name or "").strip()
    if not name:
        raise WebhookError(40701, "categoryName (an API_USER, or all) is required")
    if name.lower() == "all":
        return None
    api_user = ApiUser.objects.filter(account=account, name=name).first()
    if api_user is None:
        raise WebhookError(40702, f"categoryName {name!r} is not one of your API_USERs (or all)")
    return api_user


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise WebhookError(40705, "the URL is empty")
    try:
        safe_http.parse_url(url)
    except safe_http.InvalidUrl as error:
        raise WebhookError(40706, str(error)) from None
    return url


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise WebhookError(40703, "choose at least one event")
    unknown = [name for name in events if name not in vocabulary.CODES]
    if unknown:
        raise WebhookError(40704, f"unknown event {unknown[0]!r}")
    return vocabulary.ordered(events)


def _exists(account: User, url: str, api_user: ApiUser | None, *, exclude_pk: int | None = None) -> bool:
    rows = Webhook.objects.filter(account=account, url=url, api_user=api_user)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.exists()


def _probe_or_refuse(account: User, url: str) -> None:
    result = probe(url=url, app_key=account.app_key)
    if not result.ok:
        raise WebhookError(40707, result.reason)


def create_webhook(*, account: User, url: str, category_name: str, events: list[str]) -> Webhook:
    """A new webhook, after the URL passed the test (40707 otherwise, nothing written)."""
    url = _check_url(url)
    api_user = category_api_user(account, category_name)
    events = _check_events(events)
    if _exists(account, url, api_user):
        raise WebhookError(40708, "this URL is already configured for this API_USER")
    if Webhook.objects.filter(account=account).count() >= MAX_WEBHOOKS_PER_ACCOUNT:
        raise WebhookError(40710, f"an account can have at most {MAX_WEBHOOKS_PER_ACCOUNT} webhooks")
    _probe_or_refuse(account, url)
    try:
        with transaction.atomic():
            return Webhook.objects.create(account=account, url=url, api_user=api_user, events=events)
    except IntegrityError:
        raise WebhookError(40708, "this URL is already configured for this API_USER") from None


def update_webhook(*, webhook: Webhook, url: str | None = None, category_name: str | None = None,
                   events: list[str] | None = None) -> Webhook:
    """Change any of URL, API_USER and events (None = keep); a new URL is tested first."""
    account = webhook.account
    new_url = webhook.url if url is None else _check_url(url)
    api_user = webhook.api_user if category_name is None else category_api_user(account, category_name)
    new_events = webhook.events if events is None else _check_events(events)
    if _exists(account, new_url, api_user, exclude_pk=webhook.pk):
        raise WebhookError(40708, "this URL is already configured for this API_USER")
    fields = ["url", "api_user", "events", "updated_at"]
    if new_url != webhook.url:
        _probe_or_refuse(account, new_url)
        # A new URL that just passed the test starts with a clean bill of health.
        webhook.available, webhook.unavailable_since, webhook.failing_since = True, None, None
        webhook.consecutive_failures = 0
        fields += ["available", "unavailable_since", "failing_since", "consecutive_failures"]
    webhook.url, webhook.api_user, webhook.events = new_url, api_user, new_events
    try:
        with transaction.atomic():
            webhook.save(update_fields=fields)
    except IntegrityError:
        raise WebhookError(40708, "this URL is already configured for this API_USER") from None
    return webhook


def delete_webhook(*, webhook: Webhook) -> None:
    webhook.delete()


def regenerate_app_key(*, account: User) -> str:
    """A new APP KEY; every POST from now on (retries included) is signed with it."""
    account.app_key = new_app_key()
    account.save(update_fields=["app_key"])
    return account.app_key


def refresh(*, webhook: Webhook, now=None) -> ProbeResult:
    """刷新: test the URL again; when it passes, an unavailable webhook is available again."""
    result = probe(url=webhook.url, app_key=webhook.account.app_key, webhook=webhook, now=now)
    if result.ok:
        Webhook.objects.filter(pk=webhook.pk).update(
            available=True, unavailable_since=None, failing_since=None, consecutive_failures=0,
            last_success_at=now or timezone.now(), updated_at=timezone.now(),
        )
        webhook.refresh_from_db()
    return result


def replay(*, webhook: Webhook, delivery_ids: list[int] | None = None, now=None) -> int:
    """Send FAILED and MISSED deliveries (all, or those in ``delivery_ids``) again, with a new retry window."""
    webhook.refresh_from_db(fields=["available"])
    if not webhook.available:
        raise NotAvailable(webhook.pk)
    now = now or timezone.now()
    rows = WebhookDelivery.objects.filter(webhook=webhook, status__in=[DeliveryStatus.FAILED, DeliveryStatus.MISSED])
    if delivery_ids is not None:
        rows = rows.filter(pk__in=delivery_ids)
    ids = list(rows.values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempt_count=0, next_attempt_at=now, retry_until=now + RETRY_WINDOW,
        lease_until=None, enqueued_at=None, last_error="",
    )
    if ids:
        transaction.on_commit(lambda: enqueue({webhook.pk: ids}, now=now), robust=True)
    return len(ids)


@dataclass
class Simulation:
    event_type: int
    fields: dict[str, str]
    reply: safe_http.Reply


def simulate(*, webhook: Webhook, event_type: int, now=None) -> Simulation:
    """模拟推送: POST a made-up event of ``event_type``, signed like a real one, and keep the answer."""
    if event_type not in vocabulary.NAMES_BY_CODE:
        raise WebhookError(40704, f"unknown event {event_type!r}")
    api_user_name = webhook.api_user.name if webhook.api_user_id else _any_api_user_name(webhook.account)
    fields = payloads.signed(payloads.sample_fields(event_type=event_type, api_user_name=api_user_name),
                             app_key=webhook.account.app_key)
    started = now or timezone.now()
    reply = safe_http.request("POST", webhook.url, body=payloads.encode(fields), content_type=payloads.CONTENT_TYPE)
    _record_attempt(webhook=webhook, kind=AttemptKind.SIMULATION, method="POST", reply=reply, started_at=started,
                    event_type=event_type)
    return Simulation(event_type=event_type, fields=fields, reply=reply)


def _any_api_user_name(account: User) -> str:
    name = ApiUser.objects.filter(account=account).order_by("id").values_list("name", flat=True).first()
    return name or "all"


def _record_attempt(*, webhook: Webhook, kind: str, method: str, reply: safe_http.Reply, started_at,
                    delivery: WebhookDelivery | None = None, event_type: int | None = None) -> Attempt:
    return Attempt.objects.create(
        webhook=webhook, delivery=delivery, kind=kind, method=method, started_at=started_at,
        event_type=event_type if event_type is not None else (delivery.event_type if delivery else None),
        duration_ms=reply.duration_ms, status_code=reply.status, ok=reply.ok, error=reply.describe()[:500]
        if not reply.ok else "", reply_excerpt=reply.body[:EXCERPT_BYTES].decode("utf-8", errors="replace"),
    )


# --- from events to deliveries -------------------------------------------------------------------


def accounts_with_webhooks(event_ids: list[int]) -> bool:
    """Cheap check for the event listener: does any account behind these events have a webhook?"""
    return Webhook.objects.filter(
        account_id__in=Event.objects.filter(pk__in=event_ids).values("account_id")
    ).exists()


def fan_out(event_ids: list[int], *, now=None) -> dict[int, list[int]]:
    """One delivery per (event x matching webhook); enqueues the pending ones, one job per webhook.

    Safe to run twice: a (webhook, event) pair is created once.  Returns {webhook id: [delivery ids]}
    of what was enqueued.
    """
    now = now or timezone.now()
    events = list(Event.objects.filter(pk__in=event_ids).select_related("request").order_by("pk"))
    hooks_by_account: dict[int, list[Webhook]] = defaultdict(list)
    for hook in Webhook.objects.filter(account_id__in={e.account_id for e in events}):
        hooks_by_account[hook.account_id].append(hook)
    rows = []
    for event in events:
        name = vocabulary.NAMES_BY_CODE.get(event.event)
        for hook in hooks_by_account.get(event.account_id, []):
            if name not in hook.events or (hook.api_user_id and hook.api_user_id != event.request.api_user_id):
                continue
            rows.append(WebhookDelivery(
                webhook=hook, account_id=event.account_id, event=event, request_id=event.request_id,
                email_id=event.email_id, event_type=event.event,
                status=DeliveryStatus.PENDING if hook.available else DeliveryStatus.MISSED,
                last_error="" if hook.available else UNAVAILABLE_NOTE,
                retry_until=now + RETRY_WINDOW, created_at=now,
            ))
    if not rows:
        return {}
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    fresh: dict[int, list[int]] = defaultdict(list)
    for pk, webhook_id in (
        WebhookDelivery.objects.filter(event_id__in=[e.pk for e in events], status=DeliveryStatus.PENDING,
                                       enqueued_at__isnull=True, attempt_count=0)
        .order_by("event_id").values_list("pk", "webhook_id")
    ):
        fresh[webhook_id].append(pk)
    enqueue(fresh, now=now)
    return dict(fresh)


def enqueue(by_webhook: dict[int, list[int]], *, now=None) -> None:
    """Hand delivery ids to the broker, one job per webhook and JOB_BATCH ids; the sweep covers losses."""
    from webhooks.tasks import send_deliveries

    now = now or timezone.now()
    for ids in by_webhook.values():
        for start in range(0, len(ids), JOB_BATCH):
            chunk = ids[start : start + JOB_BATCH]
            send_deliveries.delay(chunk)
            WebhookDelivery.objects.filter(pk__in=chunk).update(enqueued_at=now)


# --- sending ----------------------------------------------------------------------------------------


def next_wait(failures: int, *, rng=random) -> timedelta:
    """The wait after the ``failures``-th failed attempt (1-based), with +-10 % jitter."""
    base = RETRY_SCHEDULE[min(max(failures, 1), len(RETRY_SCHEDULE)) - 1]
    return base * (1 + rng.uniform(-JITTER, JITTER))


def claim(delivery_ids: list[int], *, now=None) -> list[WebhookDelivery]:
    """Lease the pending, due, unleased deliveries among ``delivery_ids`` that no earlier one waits before.

    Commits before returning.  A delivery whose email still has an earlier pending delivery to the
    same webhook (outside this claim) is left for ``BLOCKED_RECHECK``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("event_id")
            .values_list("pk", flat=True)
        )
        if not locked:
            return []
        unavailable = list(
            WebhookDelivery.objects.filter(pk__in=locked, webhook__available=False).values_list("pk", flat=True)
        )
        if unavailable:
            WebhookDelivery.objects.filter(pk__in=unavailable).update(
                status=DeliveryStatus.MISSED, last_error=UNAVAILABLE_NOTE, lease_until=None)
        earlier = (
            WebhookDelivery.objects.filter(webhook_id=OuterRef("webhook_id"), status=DeliveryStatus.PENDING,
                                           event_id__lt=OuterRef("event_id"))
            .filter(Q(email_id=OuterRef("email_id")) | Q(email__isnull=True, request_id=OuterRef("request_id")))
            .exclude(pk__in=locked)
        )
        candidates = [pk for pk in locked if pk not in set(unavailable)]
        blocked = set(
            WebhookDelivery.objects.filter(pk__in=candidates).filter(Exists(earlier)).values_list("pk", flat=True)
        )
        if blocked:
            WebhookDelivery.objects.filter(pk__in=blocked).update(next_attempt_at=now + BLOCKED_RECHECK)
        ready = [pk for pk in candidates if pk not in blocked]
        WebhookDelivery.objects.filter(pk__in=ready).update(lease_until=now + LEASE)
    return list(
        WebhookDelivery.objects.filter(pk__in=ready)
        .select_related("webhook__account", "event__request__api_user", "event__request__label", "event__email")
        .order_by("webhook_id", "event_id")
    )


def deliver(delivery_ids: list[int], *, now=None) -> None:
    """Send the claimable deliveries among ``delivery_ids``, in event order per webhook.

    ``now`` fixes the clock for tests; otherwise each step reads the time.  After a failure the
    job stops sending to that webhook: the rest of its deliveries wait for the failed one's retry.
    """
    started = time.monotonic()
    by_webhook: dict[int, list[WebhookDelivery]] = defaultdict(list)
    for row in claim(delivery_ids, now=now):
        by_webhook[row.webhook_id].append(row)
    for rows in by_webhook.values():
        paused_until = None
        for row in rows:
            if paused_until is not None:
                _release(row, next_attempt_at=paused_until)
                continue
            if time.monotonic() - started > SEND_BUDGET.total_seconds():
                _release(row, next_attempt_at=now or timezone.now())
                continue
            if not _send(row, now=now):
                row.refresh_from_db(fields=["status", "next_attempt_at"])
                paused_until = row.next_attempt_at or (now or timezone.now()) + RETRY_SCHEDULE[0]


def _release(row: WebhookDelivery, *, next_attempt_at) -> None:
    """Give a claimed delivery back without an attempt (it will be due at ``next_attempt_at``)."""
    WebhookDelivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
        lease_until=None, next_attempt_at=next_attempt_at)


def _send(row: WebhookDelivery, *, now=None) -> bool:
    webhook = row.webhook
    started_at = now or timezone.now()
    try:
        fields = payloads.event_fields(row.event)
    except Exception as error:  # a bug with one event must not stop the others
        logger.exception("cannot build the webhook payload of event %s", row.event_id)
        reply = safe_http.Reply(error=f"internal error: {error}")
    else:
        app_key = User.objects.filter(pk=webhook.account_id).values_list("app_key", flat=True).get()
        body = payloads.encode(payloads.signed(fields, app_key=app_key))
        reply = safe_http.request("POST", webhook.url, body=body, content_type=payloads.CONTENT_TYPE)
    record_result(row, reply, now=now, started_at=started_at)
    return reply.ok


def record_result(row: WebhookDelivery, reply: safe_http.Reply, *, now=None, started_at=None) -> None:
    """Apply one attempt: the attempt row, the delivery's state, the webhook's health."""
    now = now or timezone.now()
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=row.webhook_id)
        _record_attempt(webhook=webhook, kind=AttemptKind.EVENT, method="POST", reply=reply,
                        started_at=started_at or now, delivery=row)
        row.attempt_count += 1
        row.lease_until = None
        row.last_status_code = reply.status
        row.last_error = "" if reply.ok else reply.describe()[:500]
        webhook.last_attempt_at = now
        if reply.ok:
            row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            webhook.failing_since, webhook.consecutive_failures, webhook.last_success_at = None, 0, now
        else:
            webhook.failing_since = webhook.failing_since or now
            webhook.consecutive_failures += 1
            if now >= row.retry_until:
                row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                row.next_attempt_at = now + next_wait(row.attempt_count)
        row.save(update_fields=["attempt_count", "lease_until", "last_status_code", "last_error", "status",
                                "delivered_at", "next_attempt_at"])
        if not reply.ok and webhook.available and now - webhook.failing_since >= UNAVAILABLE_AFTER:
            _mark_unavailable(webhook, now=now)
        webhook.save(update_fields=["last_attempt_at", "failing_since", "consecutive_failures", "last_success_at",
                                    "available", "unavailable_since", "updated_at"])


def _mark_unavailable(webhook: Webhook, *, now) -> None:
    """The red dot: nothing more is sent; what was still pending becomes MISSED (replayable)."""
    webhook.available = False
    webhook.unavailable_since = now
    WebhookDelivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.MISSED, next_attempt_at=None, lease_until=None,
        last_error=f"{UNAVAILABLE_NOTE} (failing since {timezone.localtime(webhook.failing_since):%Y-%m-%d %H:%M})",
    )
    logger.info("webhook %s (%s) marked unavailable", webhook.pk, webhook.url)
