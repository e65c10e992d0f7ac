"""Each event's exact fields (sendcloud-api-v2.md §8.3), after a real send and delivery to a real SMTP
sink, POSTed to a real receiver that checks the signature the way SendCloud's docs say."""

import json
import re
import time

import pytest

from delivery import engine
from delivery.events import record
from delivery.models import Email, Event, EventType
from tests.delivery.helpers import sender_of
from webhooks import services, sweep
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db

COMMON = {"event", "message", "apiUser", "category", "labelId", "labelName", "maillistTaskId", "mail_list_task_id",
          "timestamp", "token", "signature", "userHeaders"}
PER_EVENT = {
    "request": {"messageId", "recipientArray", "emailIds", "recipientSize"},
    "deliver": {"emailId", "recipient", "outIp"},
    "invalid": {"emailId", "recipient", "outIp", "substat", "substatdesc"},
    "soft_bounce": {"emailId", "recipient", "outIp", "substat", "substatdesc", "cause"},
    "open": {"emailId", "recipient", "ip", "explorerName", "explorerVer", "oSName", "oSVer"},
    "click": {"emailId", "recipient", "ip", "explorerName", "explorerVer", "oSName", "oSVer", "url"},
    "unsubscribe": {"emailId", "recipient", "ip", "explorerName", "explorerVer", "oSName", "oSVer"},
    "report_spam": {"emailId", "recipient"},
}


@pytest.fixture
def sent(api_client, api_user, smtp_sink, receiver, make_webhook):
    """A webhook for every event, then one request to three recipients, delivered to the sink."""
    webhook = make_webhook(receiver.url)
    body = api_client("mail/send", {
        "from": sender_of(api_user), "subject": "Hi", "html": "<p>Hi</p>",
        "to": "ok@rcpt.example.test;unknown7@rcpt.example.test;temp7@rcpt.example.test",
        "labelName": "spring-sale", "headers": json.dumps({"SC-Custom-Order": "42", "X-Other": "no"}),
    })
    assert body["result"] is True, body
    emails = list(Email.objects.filter(email_id__in=body["info"]["emailIdList"]).order_by("position"))
    engine.deliver_batch([e.pk for e in emails])
    return webhook, emails


def push_all(now=None):
    """What the listener + jobs do, run inline: fan out every event, then send what is due."""
    services.fan_out(list(Event.objects.order_by("pk").values_list("pk", flat=True)), now=now)
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)), now=now)


def test_every_event_type_arrives_with_exactly_its_fields(sent, receiver, api_user):
    webhook, (ok, unknown, temp) = sent
    ok.refresh_from_db()
    record(account_id=ok.account_id, request_id=ok.request_id, email=ok, event=EventType.OPEN,
           detail={"ip": "198.51.100.4", "browser": {"name": "Chrome", "version": "120.0"},
                   "os": {"name": "Windows", "version": "10"}})
    record(account_id=ok.account_id, request_id=ok.request_id, email=ok, event=EventType.CLICK,
           detail={"ip": "198.51.100.4", "url": "https://shop.example.com/a?b=1",
                   "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                                "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"})
    record(account_id=ok.account_id, request_id=ok.request_id, email=ok, event=EventType.UNSUBSCRIBE,
           detail={"ip": "198.51.100.5", "browser": "Firefox", "browserVersion": "121.0", "os": "Linux"})
    record(account_id=ok.account_id, request_id=ok.request_id, email=ok, event=EventType.REPORT_SPAM, detail={})
    before_ms = int(time.time() * 1000)
    push_all()

    posts = receiver.posts
    assert [p.fields["event"] for p in posts] == [
        "request", "deliver", "invalid", "soft_bounce", "open", "click", "unsubscribe", "report_spam"]
    assert all(p.signature_ok for p in posts)
    assert all(p.headers["Content-Type"] == "application/x-www-form-urlencoded" for p in posts)
    for post in posts:
        assert set(post.fields) == COMMON | PER_EVENT[post.fields["event"]], post.fields["event"]
        assert re.fullmatch(r"[A-Za-z0-9]{50}", post.fields["token"])
        assert before_ms <= int(post.fields["timestamp"]) <= int(time.time() * 1000)
    assert len({p.fields["token"] for p in posts}) == len(posts)

    request = ok.request
    label = request.label
    common = {"apiUser": api_user.name, "category": api_user.name, "labelId": str(label.pk),
              "labelName": "spring-sale", "maillistTaskId": "-1", "mail_list_task_id": "-1",
              "userHeaders": '{"SC-Custom-Order":"42"}'}
    by_event = {p.fields["event"]: p.fields for p in posts}

    def without_signing(fields):
        return {k: v for k, v in fields.items() if k not in ("timestamp", "token", "signature")}

    assert without_signing(by_event["request"]) == {
        **common, "event": "request", "message": "successfully request", "messageId": request.message_id,
        "recipientArray": json.dumps([ok.recipient, unknown.recipient, temp.recipient], separators=(",", ":")),
        "emailIds": json.dumps([ok.email_id, unknown.email_id, temp.email_id], separators=(",", ":")),
        "recipientSize": "3"}
    assert without_signing(by_event["deliver"]) == {
        **common, "event": "deliver", "message": "successfully delivered", "emailId": ok.email_id,
        "recipient": "ok@rcpt.example.test", "outIp": ""}
    invalid = without_signing(by_event["invalid"])
    assert invalid.pop("message").startswith("550 5.1.1")
    assert invalid == {**common, "event": "invalid", "emailId": unknown.email_id,
                       "recipient": "unknown7@rcpt.example.test", "outIp": "", "substat": "406",
                       "substatdesc": "地址不存在"}
    soft = without_signing(by_event["soft_bounce"])
    assert soft.pop("message") == soft["cause"]
    assert soft.pop("cause").startswith("451 4.3.0")
    assert soft == {**common, "event": "soft_bounce", "emailId": temp.email_id,
                    "recipient": "temp7@rcpt.example.test", "outIp": "", "substat": "503",
                    "substatdesc": "服务不可用"}
    assert without_signing(by_event["open"]) == {
        **common, "event": "open", "message": "open", "emailId": ok.email_id, "recipient": ok.recipient,
        "ip": "198.51.100.4", "explorerName": "Chrome", "explorerVer": "120.0", "oSName": "Windows", "oSVer": "10"}
    assert without_signing(by_event["click"]) == {
        **common, "event": "click", "message": "click", "emailId": ok.email_id, "recipient": ok.recipient,
        "ip": "198.51.100.4", "explorerName": "Safari", "explorerVer": "17.1", "oSName": "iOS", "oSVer": "17.1",
        "url": "https://shop.example.com/a?b=1"}
    assert without_signing(by_event["unsubscribe"]) == {
        **common, "event": "unsubscribe", "message": "unsubscribe", "emailId": ok.email_id,
        "recipient": ok.recipient, "ip": "198.51.100.5", "explorerName": "Firefox", "explorerVer": "121.0",
        "oSName": "Linux", "oSVer": ""}
    assert without_signing(by_event["report_spam"]) == {
        **common, "event": "report_spam", "message": "report spam", "emailId": ok.email_id,
        "recipient": ok.recipient}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert webhook.attempts.filter(kind="event", ok=True).count() == 8


def test_a_webhook_gets_only_its_events_and_its_api_user(sent, receiver, make_webhook, api_user, account):
    from tests.factories import ApiUserFactory
    from tests.webhooks.receiver import Receiver

    other_user = ApiUserFactory(account=account)
    second = Receiver(app_key=account.app_key).start()
    try:
        make_webhook(second.url, category_name=api_user.name, events=["deliver", "invalid"])
        make_webhook(second.url + "/other", category_name=other_user.name)
        push_all()
    finally:
        second.stop()
    assert [(p.path, p.fields["event"]) for p in second.posts] == [("/hook", "deliver"), ("/hook", "invalid")]
    assert len(receiver.posts) == 4  # the all-events webhook: request, deliver, invalid, soft_bounce


def test_no_labels_and_no_custom_headers(api_client, api_user, receiver, make_webhook, settings):
    settings.DELIVERY_SANDBOX = True
    make_webhook(receiver.url, events=["request"])
    body = api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "html": "x", "to": "a@b.example"})
    assert body["result"] is True
    push_all()
    fields = receiver.posts[0].fields
    assert (fields["labelId"], fields["labelName"], fields["userHeaders"]) == ("0", "", "{}")


def test_suppressed_recipient_is_invalid_with_sub_status_at_request_time(api_client, api_user, receiver,
                                                                         make_webhook):
    from delivery.models import Suppression

    Suppression.objects.create(account=api_user.account, address="gone@b.example", kind="unsubscribe")
    make_webhook(receiver.url, events=["invalid"])
    api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "html": "x", "to": "gone@b.example"})
    push_all()
    fields = receiver.posts[0].fields
    assert (fields["event"], fields["substat"], fields["substatdesc"]) == ("invalid", "402", "已取消订阅")
    assert fields["message"] == "suppressed: the address is on a block list"


def test_events_of_an_account_without_webhooks_create_nothing(sent, other_account):
    from tests.factories import ApiUserFactory

    stranger = ApiUserFactory(account=other_account)
    email = Email.objects.first()
    event = Event.objects.create(account=other_account, request=email.request, email=email, event=EventType.OPEN)
    assert services.fan_out([event.pk]) == {}
    assert stranger.pk and WebhookDelivery.objects.count() == 0


def test_fan_out_is_idempotent_and_groups_jobs_per_webhook(sent, receiver, make_webhook):
    from tests.webhooks.receiver import Receiver

    second = Receiver(app_key=receiver.app_key).start()
    try:
        other = make_webhook(second.url, events=["deliver"])
    finally:
        second.stop()
    webhook, _emails = sent
    ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
    first = services.fan_out(ids)
    assert set(first) == {webhook.pk, other.pk}
    assert len(first[webhook.pk]) == 4 and len(first[other.pk]) == 1
    assert services.fan_out(ids) == {}
    assert WebhookDelivery.objects.count() == 5
    assert sweep.due_delivery_ids() == []  # just handed over: the sweep does not step in


def test_opens_clicks_and_unsubscribes_through_the_tracking_links(api_client, api_user, client, receiver,
                                                                   make_webhook, settings):
    """The real tracking endpoints record the events; the receiver gets ip, browser and OS from them."""
    from delivery.models import SandboxMessage

    settings.DELIVERY_SANDBOX = True
    make_webhook(receiver.url, events=["open", "click", "unsubscribe"])
    body = api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "to": "reader@b.example",
                                    "html": '<p><a href="https://shop.example.com/item?id=7">item</a></p>'})
    email = Email.objects.get(email_id=body["info"]["emailIdList"][0])
    engine.deliver_batch([email.pk])
    html = bytes(SandboxMessage.objects.get(email=email).data).decode("utf-8", errors="replace")
    html = re.sub(r"=\r?\n", "", html).replace("=3D", "=")  # undo quoted-printable soft breaks
    links = {kind: re.search(rf'{re.escape(settings.PUBLIC_URL)}(/t/{kind}/[A-Za-z0-9._-]+)', html).group(1)
             for kind in ("o", "c", "u")}
    agent = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0.0.0 Safari/537.36")
    host = settings.PUBLIC_URL.split("://")[1]
    meta = {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": "198.51.100.9", "HTTP_HOST": host}
    assert client.get(links["o"], **meta).status_code == 200
    assert client.get(links["c"], **meta).status_code == 302
    assert client.post(links["u"], {}, **meta).status_code == 200
    push_all()
    posts = {p.fields["event"]: p.fields for p in receiver.posts}
    assert set(posts) == {"open", "click", "unsubscribe"}
    for fields in posts.values():
        assert (fields["emailId"], fields["recipient"], fields["ip"]) == (email.email_id, "reader@b.example",
                                                                         "198.51.100.9")
        assert (fields["explorerName"], fields["oSName"], fields["oSVer"]) == ("Chrome", "Windows", "10")
        assert fields["explorerVer"].startswith("120")
    assert posts["click"]["url"] == "https://shop.example.com/item?id=7"
