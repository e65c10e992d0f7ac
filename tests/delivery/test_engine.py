"""The delivery engine against real SMTP sinks and a real DNS server on loopback."""

import email
import json
import re
from datetime import timedelta
from email.policy import default as default_policy

import dkim
import pytest
from django.utils import timezone

from delivery import engine, outcomes, sweep
from delivery.models import DeliveryAttempt, Email, EmailStatus, Event, EventType, SandboxMessage, Suppression
from delivery.return_path import email_pk_from
from sendcloud import resolver
from tests.delivery.helpers import sender_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(api_client, api_user):
    def call(**data):
        payload = {"from": sender_of(api_user), "subject": "Hello %name%", "html": "<p>Hi %name%</p>",
                   "plain": "Hi %name%", **data}
        body = api_client("mail/send", payload)
        assert body["result"] is True, body
        return list(Email.objects.filter(email_id__in=body["info"]["emailIdList"]).order_by("position"))

    return call


def deliver(emails):
    engine.deliver_batch([e.pk for e in emails])
    return [Email.objects.get(pk=e.pk) for e in emails]


def parsed(received):
    return email.message_from_bytes(received.data, policy=default_policy)


def test_shared_email_reaches_each_recipient_over_one_connection(send, smtp_sink):
    emails = deliver(send(to="a@rcpt.example.test;Bee <b@rcpt.example.test>", cc="c@rcpt.example.test",
                          bcc="d@rcpt.example.test", replyTo="help@example.com"))
    assert [e.status for e in emails] == [EmailStatus.DELIVERED] * 4
    assert [m.rcpt_tos for m in smtp_sink.messages] == [[f"{x}@rcpt.example.test"] for x in "abcd"]
    assert len({m.session for m in smtp_sink.messages}) == 1  # one SMTP session carried all four
    first = parsed(smtp_sink.messages[0])
    assert first["To"] == "a@rcpt.example.test, Bee <b@rcpt.example.test>"
    assert first["Cc"] == "c@rcpt.example.test"
    assert first["Bcc"] is None
    assert first["Reply-To"] == "help@example.com"
    assert first["Message-ID"] == f"<{emails[0].request.message_id}0@{emails[0].request.from_address.split('@')[1]}>"
    assert first.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in first.iter_parts()] == ["text/plain", "text/html"]
    assert email_pk_from(smtp_sink.messages[0].mail_from) == emails[0].pk
    attempts = list(DeliveryAttempt.objects.filter(email=emails[0]))
    assert [(a.outcome, a.smtp_code, a.mx_host, a.ip, a.enhanced_status) for a in attempts] == [
        ("delivered", 250, "mx1.rcpt.example.test", "127.0.0.1", "2.0.0")]
    assert emails[0].last_log.startswith("successfully delivered (mx1.rcpt.example.test)")
    assert Event.objects.filter(event=EventType.DELIVER).count() == 4


NO_TRACKING = {name: {"settings": {"enable": "0"}}
               for name in ("open_tracking", "click_tracking", "subscription_tracking")}


def test_individual_emails_get_their_own_variables(send, smtp_sink):
    xsmtpapi = {"to": ["a@rcpt.example.test", "b@rcpt.example.test"], "sub": {"%name%": ["Ann", "<Bob>"]},
                "filters": NO_TRACKING}
    deliver(send(xsmtpapi=json.dumps(xsmtpapi)))
    by_rcpt = {m.rcpt_tos[0]: parsed(m) for m in smtp_sink.messages}
    ann, bob = by_rcpt["a@rcpt.example.test"], by_rcpt["b@rcpt.example.test"]
    assert ann["Subject"] == "Hello Ann" and ann["To"] == "a@rcpt.example.test"
    assert bob["Subject"] == "Hello <Bob>"
    assert ann.get_body(("html",)).get_content().strip() == "<p>Hi Ann</p>"
    assert bob.get_body(("html",)).get_content().strip() == "<p>Hi &lt;Bob&gt;</p>"
    assert bob.get_body(("plain",)).get_content().strip() == "Hi <Bob>"


def test_dkim_signature_verifies_against_the_published_key(send, smtp_sink, signing_domain):
    deliver(send(to="a@rcpt.example.test", headers=json.dumps({"SC-Custom-Order": "42"})))
    data = smtp_sink.messages[0].data
    head = re.sub(rb"\r\n[ \t]+", b" ", data.split(b"\r\n\r\n")[0])
    assert head.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + signing_domain.name.encode())
    assert b"h=from : to : subject : date : message-id : mime-version : content-type" in head

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return "".join(resolver.txt(name)).encode()

    assert dkim.verify(data, dnsfunc=dnsfunc) is True
    tampered = data.replace(b"Hello ", b"Hell0 ", 1)
    assert dkim.verify(tampered, dnsfunc=dnsfunc) is False


def test_starttls_is_used_when_offered(send, settings, dns_server, tmp_path):
    from tests.support.dns import unused_port
    from tests.support.smtp_sink import Sink, self_signed_context

    port = unused_port()
    sink = Sink("127.0.0.1", port, tls_context=self_signed_context(tmp_path)).start()
    try:
        settings.DELIVERY_PORT, settings.DELIVERY_SANDBOX = port, False
        dns_server.add("tls.example.test", "MX", "10 mx.tls.example.test")
        dns_server.add("mx.tls.example.test", "A", "127.0.0.1")
        emails = deliver(send(to="a@tls.example.test"))
    finally:
        sink.stop()
    assert emails[0].status == EmailStatus.DELIVERED
    assert sink.messages[0].tls is True
    assert DeliveryAttempt.objects.get().tls is True


def test_mx_preference_falls_back_to_the_next_host(send, smtp_sink, dns_server):
    dns_server.add("pref.example.test", "MX", "10 down.pref.example.test")
    dns_server.add("pref.example.test", "MX", "20 up.pref.example.test")
    dns_server.add("down.pref.example.test", "A", "127.0.0.2")  # nothing listens there
    dns_server.add("up.pref.example.test", "A", "127.0.0.1")
    emails = deliver(send(to="a@pref.example.test"))
    assert emails[0].status == EmailStatus.DELIVERED
    assert DeliveryAttempt.objects.get().mx_host == "up.pref.example.test"


def test_domain_without_mx_is_delivered_to_its_address(send, smtp_sink, dns_server):
    dns_server.add("nomx.example.test", "A", "127.0.0.1")
    emails = deliver(send(to="a@nomx.example.test"))
    assert emails[0].status == EmailStatus.DELIVERED
    assert smtp_sink.messages[0].rcpt_tos == ["a@nomx.example.test"]


def test_null_mx_is_invalid_at_once(send, smtp_sink, dns_server):
    dns_server.add("nullmx.example.test", "MX", "0 .")
    emails = deliver(send(to="a@nullmx.example.test"))
    assert (emails[0].status, emails[0].sub_status) == (EmailStatus.INVALID, 403)
    assert "null MX" in emails[0].last_log
    assert smtp_sink.handler.rcpt_seen == []


def test_temporary_failure_is_a_soft_bounce_retried_later(send, smtp_sink):
    before = timezone.now()
    emails = deliver(send(to="temp1@rcpt.example.test"))
    email_row = emails[0]
    assert (email_row.status, email_row.sub_status) == (EmailStatus.SOFT_BOUNCE, 503)
    wait = (email_row.next_attempt_at - before).total_seconds()
    assert 270 <= wait <= 331  # 5 minutes +- 10 % jitter
    assert Event.objects.filter(event=EventType.SOFT_BOUNCE, email=email_row).count() == 1
    # Not due yet: a new job does nothing.
    engine.deliver_batch([email_row.pk])
    assert DeliveryAttempt.objects.filter(email=email_row).count() == 1


def test_try_again_hint_is_honoured(send, smtp_sink):
    before = timezone.now()
    email_row = deliver(send(to="retry30@rcpt.example.test"))[0]
    assert email_row.status == EmailStatus.SOFT_BOUNCE
    assert (email_row.sub_status, DeliveryAttempt.objects.get().enhanced_status) == (508, "4.7.1")
    assert 29 <= (email_row.next_attempt_at - before).total_seconds() <= 31


def test_retry_delivers_once_the_time_has_come(send, smtp_sink):
    email_row = deliver(send(to="tempfirst@rcpt.example.test"))[0]
    assert email_row.status == EmailStatus.SOFT_BOUNCE
    later = email_row.next_attempt_at + timedelta(seconds=1)
    assert sweep.due_email_pks(now=later) == [email_row.pk]
    Email.objects.filter(pk=email_row.pk).update(next_attempt_at=timezone.now())
    email_row = deliver([email_row])[0]
    assert email_row.status == EmailStatus.DELIVERED
    assert email_row.attempt_count == 2
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["tempfirst@rcpt.example.test"]]


def test_retry_schedule_grows_and_is_data():
    assert [outcomes.next_wait(n, None, rng=_NoJitter()) for n in range(1, 8)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40),
        timedelta(hours=1), timedelta(hours=1), timedelta(hours=1)]


class _NoJitter:
    def uniform(self, low, high):
        return 0.0


def test_temporary_failures_past_the_maximum_age_become_invalid(send, smtp_sink, settings):
    email_row = send(to="temp2@rcpt.example.test")[0]
    Email.objects.filter(pk=email_row.pk).update(created_at=timezone.now() - timedelta(hours=121))
    email_row = deliver([email_row])[0]
    assert (email_row.status, email_row.sub_status) == (EmailStatus.INVALID, 403)
    assert email_row.next_attempt_at is None


def test_unknown_user_is_invalid_suppressed_and_the_next_send_never_connects(send, smtp_sink, api_user):
    before = timezone.now()
    email_row = deliver(send(to="unknown1@rcpt.example.test"))[0]
    assert (email_row.status, email_row.sub_status) == (EmailStatus.INVALID, 406)
    row = Suppression.objects.get(account=api_user.account, address="unknown1@rcpt.example.test")
    assert (row.kind, row.hits) == ("bounce", 1)
    assert "user unknown" in row.reason
    assert timedelta(hours=2) <= row.expires_at - before <= timedelta(hours=2, seconds=5)
    rcpt_count = len(smtp_sink.handler.rcpt_seen)

    again = send(to="unknown1@rcpt.example.test")[0]
    assert (again.status, again.sub_status) == (EmailStatus.INVALID, 401)
    engine.deliver_batch([again.pk])
    assert len(smtp_sink.handler.rcpt_seen) == rcpt_count


def test_second_bounce_doubles_the_suppression(send, smtp_sink, api_user):
    first = deliver(send(to="unknown2@rcpt.example.test"))[0]
    Suppression.objects.filter(address="unknown2@rcpt.example.test").update(expires_at=timezone.now())
    before = timezone.now()
    deliver(send(to="unknown2@rcpt.example.test"))
    row = Suppression.objects.get(address="unknown2@rcpt.example.test")
    assert row.hits == 2
    assert timedelta(hours=4) <= row.expires_at - before <= timedelta(hours=4, seconds=5)
    assert first.status == EmailStatus.INVALID


@pytest.mark.parametrize(("local", "sub_status"), [("blocked", 405), ("spam", 407)])
def test_permanent_failures_are_classified(send, smtp_sink, local, sub_status):
    email_row = deliver(send(to=f"{local}@rcpt.example.test"))[0]
    assert (email_row.status, email_row.sub_status) == (EmailStatus.INVALID, sub_status)
    assert Suppression.objects.count() == 0


def test_dropped_connection_is_retried_and_the_rest_still_goes_through(send, smtp_sink):
    emails = deliver(send(to="drop@rcpt.example.test;ok@rcpt.example.test"))
    assert [e.status for e in emails] == [EmailStatus.SOFT_BOUNCE, EmailStatus.DELIVERED]


def test_sandbox_keeps_the_signed_message_instead_of_delivering(send, settings, signing_domain):
    settings.DELIVERY_SANDBOX = True
    email_row = deliver(send(to="someone@nowhere.invalid"))[0]
    assert email_row.status == EmailStatus.DELIVERED
    kept = SandboxMessage.objects.get(email=email_row)
    assert kept.recipient == "someone@nowhere.invalid"
    assert bytes(kept.data).startswith(b"DKIM-Signature:")


def test_sweep_enqueues_orphaned_and_due_emails(send, smtp_sink):
    orphan, due, leased = send(to="a@rcpt.example.test;b@rcpt.example.test;c@rcpt.example.test")
    now = timezone.now()
    Email.objects.filter(pk=orphan.pk).update(enqueued_at=None, created_at=now - timedelta(minutes=1))
    Email.objects.filter(pk=due.pk).update(status=EmailStatus.SOFT_BOUNCE, next_attempt_at=now - timedelta(seconds=1),
                                           enqueued_at=now - timedelta(minutes=6))
    Email.objects.filter(pk=leased.pk).update(enqueued_at=None, created_at=now - timedelta(minutes=1),
                                              lease_until=now + timedelta(minutes=5))
    assert sweep.due_email_pks(now=now) == [orphan.pk, due.pk]
    assert sweep.enqueue_due(now=now) == 2
    assert Email.objects.get(pk=orphan.pk).enqueued_at is not None


def test_a_leased_email_is_not_claimed_twice(send, smtp_sink):
    email_row = send(to="a@rcpt.example.test")[0]
    assert [e.pk for e in engine.claim([email_row.pk])] == [email_row.pk]
    assert engine.claim([email_row.pk]) == []
    expired = timezone.now() + timedelta(seconds=601)
    assert [e.pk for e in engine.claim([email_row.pk], now=expired)] == [email_row.pk]


def test_smart_sink_accounts_for_every_accepted_email(send, smtp_sink):
    """R6: 5 % temporary (then accepted), 2 % permanent, 1 % slow: delivered + invalid = accepted."""
    smtp_sink.handler.slow_seconds = 0.3
    addresses = []
    for i in range(200):
        if i % 20 == 0:
            addresses.append(f"tempfirst{i}@rcpt.example.test")
        elif i % 50 == 1:
            addresses.append(f"unknown{i}@rcpt.example.test")
        elif i % 100 == 2:
            addresses.append(f"slow{i}@rcpt.example.test")
        else:
            addresses.append(f"ok{i}@rcpt.example.test")
    accepted = []
    for start in range(0, 200, 100):
        accepted += send(to=";".join(addresses[start:start + 100]))
    engine.deliver_batch([e.pk for e in accepted])
    for _ in range(3):  # retries, made due now instead of minutes from now
        Email.objects.filter(status=EmailStatus.SOFT_BOUNCE).update(next_attempt_at=timezone.now())
        engine.deliver_batch(sweep.due_email_pks(now=timezone.now() + timedelta(seconds=1)))
    statuses = dict.fromkeys(EmailStatus.values, 0)
    for status in Email.objects.values_list("status", flat=True):
        statuses[status] += 1
    assert statuses[EmailStatus.DELIVERED] + statuses[EmailStatus.INVALID] == 200
    assert statuses[EmailStatus.INVALID] == 4
    assert len(smtp_sink.messages) == 196
    assert len({m.rcpt_tos[0] for m in smtp_sink.messages}) == 196  # none delivered twice
