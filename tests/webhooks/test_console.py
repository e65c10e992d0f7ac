"""Console pages under /console/webhooks/: list with health, create (URL test), edit, delete, APP KEY,
simulate push, refresh, attempt log and replay; another account's webhooks are not found."""

import pytest
from django.utils import timezone

from accounts.models import User
from delivery.events import record
from delivery.models import Email, EventType
from tests.delivery.helpers import sender_of
from webhooks import services
from webhooks.models import Attempt, DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, account):
    client.force_login(account)
    return client


def test_list_shows_the_app_key_and_the_health_of_each_webhook(logged_in, account, receiver, make_webhook):
    healthy = make_webhook(receiver.url, events=["deliver", "open"])
    down = make_webhook(receiver.url + "/down", events=["request"])
    Webhook.objects.filter(pk=down.pk).update(available=False, unavailable_since=timezone.now())
    page = logged_in.get("/console/webhooks/").content.decode()
    assert f'<code data-testid="app-key">{account.app_key}</code>' in page
    assert page.count('data-testid="webhook-row"') == 2
    assert page.count('class="dot ok"') == 1 and page.count('class="dot down"') == 1
    assert "Delivered, Open" in page
    assert f"/console/webhooks/{healthy.pk}/simulate/" in page


def test_list_in_chinese(logged_in, receiver, make_webhook):
    make_webhook(receiver.url, events=["deliver", "report_spam", "invalid", "soft_bounce", "click", "open",
                                       "unsubscribe", "request"])
    page = logged_in.get("/console/webhooks/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("创建Webhook", "模拟推送", "刷新", "可用", "送达, 垃圾邮件举报, 无效邮件, 软退信, 点击, 打开, 取消订阅, 请求"):
        assert text in page, text


def test_create_tests_the_url(logged_in, account, api_user, receiver):
    response = logged_in.post("/console/webhooks/new/", {"events": ["deliver", "click"], "api_user": api_user.name,
                                                         "url": receiver.url})
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert (webhook.account, webhook.api_user, webhook.events, webhook.url) == (account, api_user,
                                                                                ["deliver", "click"], receiver.url)
    assert [r.method for r in receiver.requests] == ["GET", "POST"]


def test_create_shows_why_the_url_was_refused(logged_in, receiver):
    receiver.mode = "404"
    response = logged_in.post("/console/webhooks/new/", {"events": ["deliver"], "api_user": "all",
                                                         "url": receiver.url})
    assert response.status_code == 200
    assert f"GET {receiver.url}: HTTP 404" in response.content.decode()
    assert Webhook.objects.count() == 0


def test_create_needs_an_event_and_a_valid_url(logged_in, receiver):
    page = logged_in.post("/console/webhooks/new/", {"api_user": "all", "url": "ftp://x"}).content.decode()
    assert "Choose at least one event." in page
    page = logged_in.post("/console/webhooks/new/", {"events": ["open"], "api_user": "all",
                                                     "url": "ftp://x"}).content.decode()
    assert "the URL must start with http:// or https://" in page
    assert Webhook.objects.count() == 0 and receiver.requests == []


def test_edit_keeps_route_and_delete_removes(logged_in, receiver, make_webhook):
    webhook = make_webhook(receiver.url, events=["deliver", "route"])
    response = logged_in.post(f"/console/webhooks/{webhook.pk}/edit/", {"events": ["open"], "api_user": "all",
                                                                        "url": receiver.url})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == ["open", "route"]
    assert logged_in.get(f"/console/webhooks/{webhook.pk}/delete/").status_code == 405
    assert logged_in.post(f"/console/webhooks/{webhook.pk}/delete/").status_code == 302
    assert Webhook.objects.count() == 0


def test_regenerate_app_key(logged_in, account):
    old = account.app_key
    page = logged_in.get("/console/webhooks/app-key/").content.decode()
    assert "Regenerate the APP KEY" in page
    account.refresh_from_db()
    assert account.app_key == old  # a GET only asks
    assert logged_in.post("/console/webhooks/app-key/").status_code == 302
    account.refresh_from_db()
    assert account.app_key != old and len(account.app_key) == 32


def test_simulate_push_shows_the_receivers_answer(logged_in, account, api_user, receiver, make_webhook):
    webhook = make_webhook(receiver.url, category_name=api_user.name)
    page = logged_in.post(f"/console/webhooks/{webhook.pk}/simulate/", {"event": "4"}).content.decode()
    assert 'data-testid="simulation-status">HTTP 200</strong>' in page
    assert '<pre data-testid="simulation-reply">ok</pre>' in page
    post = receiver.posts[0]
    assert post.signature_ok is True
    assert (post.fields["event"], post.fields["apiUser"], post.fields["substat"]) == ("invalid", api_user.name,
                                                                                     "406")
    attempt = Attempt.objects.get(kind="simulation")
    assert (attempt.event_type, attempt.status_code, attempt.ok) == (4, 200, True)
    receiver.mode = "500"
    page = logged_in.post(f"/console/webhooks/{webhook.pk}/simulate/", {"event": "18"}).content.decode()
    assert 'data-testid="simulation-status">HTTP 500</strong>' in page
    assert "error 500" in page


def test_refresh_restores_an_unavailable_webhook(logged_in, receiver, make_webhook):
    webhook = make_webhook(receiver.url)
    Webhook.objects.filter(pk=webhook.pk).update(available=False, unavailable_since=timezone.now())
    receiver.mode = "500"
    logged_in.post(f"/console/webhooks/{webhook.pk}/refresh/")
    webhook.refresh_from_db()
    assert webhook.available is False
    receiver.mode = "ok"
    response = logged_in.post(f"/console/webhooks/{webhook.pk}/refresh/", follow=True)
    assert "the webhook is available" in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.available is True


def test_attempt_log_lists_deliveries_and_attempts_and_replays(logged_in, api_client, api_user, receiver,
                                                               make_webhook, settings):
    settings.DELIVERY_SANDBOX = True
    webhook = make_webhook(receiver.url, events=["open"])
    body = api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "html": "x", "to": "a@b.example"})
    email = Email.objects.get(email_id=body["info"]["emailIdList"][0])
    event = record(account_id=email.account_id, request_id=email.request_id, email=email, event=EventType.OPEN)
    receiver.mode = "500"
    services.fan_out([event.pk])
    services.deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    page = logged_in.get(f"/console/webhooks/{webhook.pk}/log/").content.decode()
    assert email.email_id in page
    assert page.count('data-testid="attempt-row" data-ok="0"') == 1
    assert "HTTP 500" in page and "error 500" in page
    assert "Replay 1 failed or missed delivery" in page

    receiver.mode = "ok"
    response = logged_in.post(f"/console/webhooks/{webhook.pk}/replay/", follow=True)
    assert "1 delivery will be sent again." in response.content.decode()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    filtered = logged_in.get(f"/console/webhooks/{webhook.pk}/log/?status=delivered").content.decode()
    assert 'data-testid="delivery-row"' not in filtered


def test_replay_of_an_unavailable_webhook_asks_for_refresh(logged_in, receiver, make_webhook):
    webhook = make_webhook(receiver.url)
    Webhook.objects.filter(pk=webhook.pk).update(available=False)
    response = logged_in.post(f"/console/webhooks/{webhook.pk}/replay/", follow=True)
    assert "refresh it first" in response.content.decode()


def test_another_accounts_webhook_is_not_found(logged_in, other_account, loopback_allowed):
    from tests.webhooks.receiver import Receiver

    theirs = Receiver(app_key=other_account.app_key).start()
    try:
        webhook = services.create_webhook(account=other_account, url=theirs.url, category_name="all",
                                          events=["open"])
        requests_before = len(theirs.requests)
        for suffix in ("edit/", "log/", "simulate/"):
            assert logged_in.get(f"/console/webhooks/{webhook.pk}/{suffix}").status_code == 404
        for suffix in ("edit/", "delete/", "refresh/", "simulate/", "replay/"):
            assert logged_in.post(f"/console/webhooks/{webhook.pk}/{suffix}", {"event": "1", "events": ["open"],
                                                                              "api_user": "all",
                                                                              "url": theirs.url}).status_code == 404
        assert len(theirs.requests) == requests_before
        assert Webhook.objects.filter(pk=webhook.pk, url=theirs.url, events=["open"]).exists()
        page = logged_in.get("/console/webhooks/").content.decode()
        assert theirs.url not in page
    finally:
        theirs.stop()


def test_pages_need_a_login(client):
    response = client.get("/console/webhooks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert User.objects.count() == 0
