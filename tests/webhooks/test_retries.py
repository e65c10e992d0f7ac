"""R4: retries with backoff on a controllable clock, the unavailable state, refresh and replay, order per
email, and receivers that fail, hang or redirect — against a real receiver on loopback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.events import record
from delivery.models import Email, Event, EventType
from tests.delivery.helpers import sender_of
from webhooks import safe_http, services, sweep
from webhooks.models import Attempt, DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(api_client, api_user, settings):
    """One accepted email (its request event recorded); nothing delivered yet."""
    settings.DELIVERY_SANDBOX = True
    body = api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "html": "x",
                                    "to": "someone@rcpt.example.test"})
    return Email.objects.get(email_id=body["info"]["emailIdList"][0])


def new_event(email, event_type=EventType.OPEN, **detail):
    return record(account_id=email.account_id, request_id=email.request_id, email=email, event=event_type,
                  detail=detail)


def run_due(now):
    """What the beat job and the send jobs do, inline, at ``now``."""
    services.deliver(sweep.due_delivery_ids(now=now), now=now)


def test_failures_are_retried_with_backoff_then_the_url_becomes_unavailable(email, receiver, make_webhook):
    webhook = make_webhook(receiver.url, events=["open"])
    receiver.mode = "500"
    t0 = timezone.now()
    event = new_event(email)
    services.fan_out([event.pk], now=t0)
    delivery = WebhookDelivery.objects.get()
    services.deliver([delivery.pk], now=t0)

    waits, moment = [], t0
    while True:
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.PENDING:
            break
        # Not due a second early.
        assert sweep.due_delivery_ids(now=delivery.next_attempt_at - timedelta(seconds=1)) == []
        waits.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
        run_due(moment)

    minutes = [1, 2, 4, 8, 16] + [60] * (len(waits) - 5)
    assert len(waits) >= 5 + 23
    for wait, expected in zip(waits, minutes, strict=True):
        assert timedelta(minutes=expected * 0.9) <= wait <= timedelta(minutes=expected * 1.1)
    assert moment - t0 >= timedelta(hours=24)  # retried for at least 24 hours
    assert moment - t0 < timedelta(hours=26)

    webhook.refresh_from_db()
    assert (webhook.available, webhook.unavailable_since, webhook.failing_since) == (False, moment, t0)
    assert delivery.status == DeliveryStatus.FAILED  # its own 24 hours are over too
    attempts = list(Attempt.objects.filter(delivery=delivery).order_by("started_at"))
    assert len(attempts) == len(waits) + 1 == delivery.attempt_count == webhook.consecutive_failures
    assert {(a.status_code, a.ok, a.error, a.reply_excerpt) for a in attempts} == {(500, False, "HTTP 500",
                                                                                    "error 500")}
    assert [a.started_at for a in attempts][:2] == [t0, t0 + waits[0]]
    assert len(receiver.posts) == len(attempts)

    # While unavailable nothing is sent: new events are kept as MISSED.
    later = new_event(email, EventType.OPEN)
    services.fan_out([later.pk], now=moment)
    run_due(moment + timedelta(hours=2))
    assert len(receiver.posts) == len(attempts)
    assert list(WebhookDelivery.objects.order_by("event_id").values_list("status", flat=True)) == [
        DeliveryStatus.FAILED, DeliveryStatus.MISSED]
    assert WebhookDelivery.objects.get(event=later).last_error == "not sent: the webhook was unavailable"

    # Replay is refused until refresh; a refresh against a failing URL keeps it unavailable.
    with pytest.raises(services.NotAvailable):
        services.replay(webhook=webhook)
    result = services.refresh(webhook=webhook)
    assert (result.ok, result.reason) == (False, f"GET {receiver.url}: HTTP 500")
    webhook.refresh_from_db()
    assert webhook.available is False

    receiver.mode = "ok"
    assert services.refresh(webhook=webhook).ok is True
    webhook.refresh_from_db()
    assert (webhook.available, webhook.failing_since, webhook.consecutive_failures) == (True, None, 0)
    assert list(Attempt.objects.filter(webhook=webhook, kind="probe").values_list("method", "ok")) == [
        ("POST", True), ("GET", True), ("GET", False)]

    replay_time = timezone.now()
    assert services.replay(webhook=webhook, now=replay_time) == 2
    run_due(replay_time)
    assert list(WebhookDelivery.objects.order_by("event_id").values_list("status", flat=True)) == [
        DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED]
    replayed = receiver.posts[-2:]
    assert [p.fields["event"] for p in replayed] == ["open", "open"]
    assert all(p.signature_ok for p in replayed)


def test_a_delivery_that_fails_for_its_whole_window_is_failed_and_can_be_replayed(email, receiver, make_webhook):
    webhook = make_webhook(receiver.url, events=["open"])
    t0 = timezone.now()
    services.fan_out([new_event(email).pk], now=t0)
    delivery = WebhookDelivery.objects.get()
    assert delivery.retry_until == t0 + timedelta(hours=24)
    receiver.mode = "500"
    WebhookDelivery.objects.update(retry_until=t0)  # its window is over, the URL only just started failing
    services.deliver([delivery.pk], now=t0 + timedelta(seconds=1))
    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at, delivery.last_status_code) == (DeliveryStatus.FAILED, None, 500)
    assert webhook.available is True  # one failing day has not passed: the URL stays available
    receiver.mode = "ok"
    assert services.replay(webhook=webhook, delivery_ids=[delivery.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.PENDING, 0)
    services.deliver([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert Attempt.objects.filter(delivery=delivery).count() == 2  # the old attempt stays visible


def test_a_success_resets_the_failure_streak(email, receiver, make_webhook):
    webhook = make_webhook(receiver.url, events=["open"])
    t0 = timezone.now()
    receiver.mode = "500"
    services.fan_out([new_event(email).pk], now=t0)
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)), now=t0)
    webhook.refresh_from_db()
    assert (webhook.failing_since, webhook.consecutive_failures) == (t0, 1)
    receiver.mode = "ok"
    run_due(t0 + timedelta(minutes=2))
    webhook.refresh_from_db()
    assert (webhook.failing_since, webhook.consecutive_failures, webhook.available) == (None, 0, True)


def test_events_of_one_email_are_sent_in_order(email, receiver, make_webhook):
    make_webhook(receiver.url, events=["request", "open", "click"])
    t0 = timezone.now()
    first = new_event(email, EventType.OPEN)
    second = new_event(email, EventType.CLICK, url="https://example.com/")
    request_event = Event.objects.get(event=EventType.REQUEST)
    services.fan_out([request_event.pk, first.pk, second.pk], now=t0)
    ids = list(WebhookDelivery.objects.order_by("event_id").values_list("pk", flat=True))

    # A job that holds only the later events must not overtake the pending request event.
    services.deliver(ids[1:], now=t0)
    assert receiver.posts == []
    assert all(d.next_attempt_at == t0 + services.BLOCKED_RECHECK
               for d in WebhookDelivery.objects.filter(pk__in=ids[1:]))

    # The first one fails: the rest of the batch waits for its retry instead of going ahead.
    receiver.mode = "500"
    services.deliver(ids, now=t0 + timedelta(seconds=31))
    assert [p.fields["event"] for p in receiver.posts] == ["request"]
    retry_at = WebhookDelivery.objects.get(pk=ids[0]).next_attempt_at
    assert list(WebhookDelivery.objects.filter(pk__in=ids[1:]).values_list("next_attempt_at", "attempt_count")) == [
        (retry_at, 0), (retry_at, 0)]

    receiver.mode = "ok"
    run_due(retry_at)
    assert [p.fields["event"] for p in receiver.posts] == ["request", "request", "open", "click"]


def test_a_hanging_receiver_is_cut_after_the_timeout_and_does_not_hold_the_others(email, receiver, make_webhook,
                                                                              monkeypatch):
    from tests.webhooks.receiver import Receiver

    monkeypatch.setattr(safe_http, "TIMEOUT_SECONDS", 0.5)
    slow = make_webhook(receiver.url, events=["open"])
    healthy_receiver = Receiver(app_key=receiver.app_key).start()
    try:
        healthy = make_webhook(healthy_receiver.url, events=["open"])
        receiver.mode = "hang"
        events = [new_event(email).pk for _ in range(3)]
        jobs = services.fan_out(events)
        assert set(jobs) == {slow.pk, healthy.pk}  # one job per webhook: a slow one delays only itself
        services.deliver(jobs[slow.pk])
        services.deliver(jobs[healthy.pk])
    finally:
        healthy_receiver.stop()
    assert len(healthy_receiver.posts) == 3
    assert len(receiver.posts) == 1  # after one timeout the job stops calling that URL
    attempt = Attempt.objects.get(webhook=slow)
    assert (attempt.ok, attempt.status_code, attempt.error) == (False, None,
                                                               "timed out after 0.5 s (no answer in time)")
    pending = WebhookDelivery.objects.filter(webhook=slow, status=DeliveryStatus.PENDING)
    assert pending.count() == 3
    assert pending.filter(attempt_count=0).count() == 2


def test_a_redirect_is_a_failure_and_is_not_followed(email, receiver, make_webhook):
    make_webhook(receiver.url, events=["open"])
    receiver.mode = "redirect"
    services.fan_out([new_event(email).pk])
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)
    assert delivery.last_error == f"HTTP 302: redirect to http://127.0.0.1:{receiver.port}/elsewhere not followed"
    assert [r.path for r in receiver.requests if r.method == "POST" and "event" in r.fields] == ["/hook"]
    assert not [r for r in receiver.requests if r.path == "/elsewhere"]


def test_an_expired_lease_makes_a_delivery_claimable_again(email, receiver, make_webhook):
    make_webhook(receiver.url, events=["open"])
    t0 = timezone.now()
    services.fan_out([new_event(email).pk], now=t0)
    delivery = WebhookDelivery.objects.get()
    assert [d.pk for d in services.claim([delivery.pk], now=t0)] == [delivery.pk]
    assert services.claim([delivery.pk], now=t0) == []
    WebhookDelivery.objects.update(enqueued_at=t0 - timedelta(minutes=20))  # its job looks lost...
    assert sweep.due_delivery_ids(now=t0 + timedelta(minutes=1)) == []  # ...but a worker holds the lease
    after_lease = t0 + services.LEASE + timedelta(seconds=1)
    assert sweep.due_delivery_ids(now=after_lease) == [delivery.pk]
    assert [d.pk for d in services.claim([delivery.pk], now=after_lease)] == [delivery.pk]


def test_a_new_app_key_signs_the_next_attempt(email, receiver, make_webhook, account):
    make_webhook(receiver.url, events=["open"])
    services.fan_out([new_event(email).pk])
    new_key = services.regenerate_app_key(account=account)
    assert len(new_key) == 32 and new_key != receiver.app_key
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))
    assert receiver.posts[0].signature_ok is False  # the receiver still checks with the old key
    receiver.app_key = new_key
    post = receiver.posts[0]
    from tests.webhooks.receiver import verify

    assert verify(new_key, post.fields["token"], post.fields["timestamp"], post.fields["signature"]) is True


def test_the_sweep_enqueues_lost_and_due_deliveries(email, receiver, make_webhook):
    make_webhook(receiver.url, events=["open"])
    t0 = timezone.now()
    services.fan_out([new_event(email).pk, new_event(email).pk], now=t0)
    lost, due = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=lost.pk).update(enqueued_at=t0 - timedelta(minutes=11))
    WebhookDelivery.objects.filter(pk=due.pk).update(next_attempt_at=t0 - timedelta(seconds=1),
                                                     enqueued_at=t0 - timedelta(minutes=2))
    assert sweep.due_delivery_ids(now=t0) == [lost.pk, due.pk]
    assert sweep.enqueue_due(now=t0) == 2
    assert sweep.due_delivery_ids(now=t0) == []


def test_old_attempts_and_delivered_rows_are_purged(email, receiver, make_webhook):
    webhook = make_webhook(receiver.url, events=["open"])
    services.fan_out([new_event(email).pk])
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))
    assert sweep.purge_old() == 0
    assert sweep.purge_old(now=timezone.now() + timedelta(days=31)) == 2  # the attempt and the delivery
    assert Webhook.objects.filter(pk=webhook.pk).exists()
