"""/apiv2/webhook/list|add|update|delete (sendcloud-api-v2.md §2.14) with the 407xx codes; the URL test
against a real receiver; tenant isolation."""

import pytest
from django.utils import timezone

from tests.factories import ApiUserFactory
from tests.webhooks.receiver import Receiver
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def snapshot():
    return list(Webhook.objects.order_by("pk").values_list("pk", "account_id", "url", "api_user_id", "events"))


def refused(body, code, message=None):
    assert (body["result"], body["statusCode"], body["info"]) == (False, code, {}), body
    if message is not None:
        assert body["message"] == message
    return body


@pytest.fixture
def second_receiver(account, loopback_allowed):
    server = Receiver(app_key=account.app_key).start()
    yield server
    server.stop()


def test_add_tests_the_url_then_creates_the_webhook(api_client, api_user, receiver):
    body = api_client("webhook/add", {"url": receiver.url, "categoryName": api_user.name, "event": "1,4,18"})
    assert (body["result"], body["statusCode"], body["message"]) == (True, 200, "请求成功")
    data = body["info"]["data"]
    webhook = Webhook.objects.get()
    assert data == {"id": webhook.pk, "url": receiver.url, "categoryName": api_user.name, "event": "1,4,18",
                    "available": True, "gmtCreated": data["gmtCreated"], "gmtUpdated": data["gmtUpdated"]}
    assert (webhook.api_user, webhook.events) == (api_user, ["deliver", "invalid", "request"])
    # The URL test: a GET, then a POST signed with the APP KEY (and nothing else).
    assert [(r.method, r.path) for r in receiver.requests] == [("GET", "/hook"), ("POST", "/hook")]
    probe = receiver.requests[1]
    assert set(probe.fields) == {"timestamp", "token", "signature"}
    assert probe.signature_ok is True


def test_add_for_all_api_users_and_with_route(api_client, receiver):
    body = api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "18,1,route,1"})
    assert body["info"]["data"]["categoryName"] == "all"
    assert body["info"]["data"]["event"] == "1,18,route"
    assert Webhook.objects.get().api_user is None


def test_a_url_that_answers_404_is_refused_with_the_reason(api_client, receiver):
    receiver.modes = {"GET": "404"}
    body = refused(api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"}), 40707)
    assert body["message"] == f"url test failed. GET {receiver.url}: HTTP 404"
    assert snapshot() == []


def test_a_url_whose_post_fails_is_refused(api_client, receiver):
    receiver.modes = {"POST": "500"}
    body = refused(api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"}), 40707)
    assert body["message"] == f"url test failed. POST {receiver.url}: HTTP 500"
    assert [r.method for r in receiver.requests] == ["GET", "POST"]
    assert snapshot() == []


def test_a_redirecting_url_is_refused(api_client, receiver):
    receiver.mode = "redirect"
    body = refused(api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"}), 40707)
    assert "HTTP 302: redirect to" in body["message"]
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_a_private_address_is_refused_when_loopback_is_not_allowed(api_client, receiver, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    body = refused(api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"}), 40707)
    assert body["message"] == f"url test failed. GET {receiver.url}: refused: 127.0.0.1 is a loopback address"
    assert receiver.requests == []
    refused(api_client("webhook/add", {"url": "http://169.254.169.254/latest/meta-data/", "categoryName": "all",
                                       "event": "1"}), 40707)
    assert snapshot() == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"categoryName": "all", "event": "1"}, 40705),
        ({"url": "  ", "categoryName": "all", "event": "1"}, 40705),
        ({"url": "ftp://example.com/", "categoryName": "all", "event": "1"}, 40706),
        ({"url": "not a url", "categoryName": "all", "event": "1"}, 40706),
        ({"url": "RECEIVER", "event": "1"}, 40701),
        ({"url": "RECEIVER", "categoryName": "nobody_here", "event": "1"}, 40702),
        ({"url": "RECEIVER", "categoryName": "all"}, 40703),
        ({"url": "RECEIVER", "categoryName": "all", "event": " , "}, 40703),
        ({"url": "RECEIVER", "categoryName": "all", "event": "1,2"}, 40704),
        ({"url": "RECEIVER", "categoryName": "all", "event": "open"}, 40704),
    ],
)
def test_add_refusals_write_nothing_and_test_nothing(api_client, receiver, params, code):
    params = {k: (receiver.url if v == "RECEIVER" else v) for k, v in params.items()}
    refused(api_client("webhook/add", params), code)
    assert snapshot() == []
    assert receiver.requests == []


def test_the_same_url_twice_for_the_same_api_user_is_40708(api_client, api_user, receiver):
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"})
    api_client("webhook/add", {"url": receiver.url, "categoryName": api_user.name, "event": "1"})
    before = snapshot()
    probes = len(receiver.requests)
    refused(api_client("webhook/add", {"url": receiver.url, "categoryName": "ALL", "event": "3"}), 40708)
    refused(api_client("webhook/add", {"url": receiver.url, "categoryName": api_user.name, "event": "3"}), 40708)
    assert snapshot() == before
    assert len(receiver.requests) == probes


def test_list_filters_by_url_category_and_event(api_client, api_user, receiver, second_receiver):
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1,3"})
    api_client("webhook/add", {"url": second_receiver.url, "categoryName": api_user.name, "event": "18"})
    everything = api_client("webhook/list")["info"]
    assert (everything["count"], everything["total"]) == (2, 2)
    assert [(d["url"], d["categoryName"], d["event"]) for d in everything["dataList"]] == [
        (receiver.url, "all", "1,3"), (second_receiver.url, api_user.name, "18")]

    def urls(**params):
        return [d["url"] for d in api_client("webhook/list", params)["info"]["dataList"]]

    assert urls(url=second_receiver.url) == [second_receiver.url]
    assert urls(categoryName="all") == [receiver.url]
    assert urls(categoryName=api_user.name) == [second_receiver.url]
    assert urls(categoryName="nobody_here") == []
    assert urls(event="3") == [receiver.url]
    assert urls(event="18,1") == [receiver.url, second_receiver.url]
    assert urls(event="11") == []
    refused(api_client("webhook/list", {"event": "99"}), 40704)


def test_update_changes_events_category_and_url(api_client, api_user, receiver, second_receiver):
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"})
    webhook = Webhook.objects.get()

    body = api_client("webhook/update", {"url": receiver.url, "categoryName": "all", "newEvent": "11,10"})
    assert (body["result"], body["info"]["count"], body["info"]["data"]["event"]) == (True, 1, "10,11")

    body = api_client("webhook/update", {"url": receiver.url, "categoryName": "all",
                                         "newCategoryName": api_user.name})
    assert body["info"]["data"]["categoryName"] == api_user.name

    Webhook.objects.filter(pk=webhook.pk).update(available=False, failing_since=timezone.now())
    body = api_client("webhook/update", {"url": receiver.url, "categoryName": api_user.name,
                                         "newUrl": second_receiver.url})
    assert body["info"]["data"]["url"] == second_receiver.url
    assert [r.method for r in second_receiver.requests] == ["GET", "POST"]  # the new URL was tested
    webhook.refresh_from_db()
    assert (webhook.url, webhook.api_user, webhook.events) == (second_receiver.url, api_user, ["click", "open"])
    assert (webhook.available, webhook.failing_since) == (True, None)  # a new URL that passed the test


def test_update_refusals(api_client, api_user, receiver, second_receiver):
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"})
    api_client("webhook/add", {"url": second_receiver.url, "categoryName": "all", "event": "1"})
    before = snapshot()
    base = {"url": receiver.url, "categoryName": "all"}
    refused(api_client("webhook/update", base), 40712, "update failed. give at least one of newUrl, "
                                                       "newCategoryName, newEvent")
    refused(api_client("webhook/update", {**base, "newUrl": ""}), 40705)
    refused(api_client("webhook/update", {**base, "newCategoryName": " "}), 40701)
    refused(api_client("webhook/update", {**base, "newEvent": ""}), 40703)
    refused(api_client("webhook/update", {**base, "newEvent": "7"}), 40704)
    refused(api_client("webhook/update", {**base, "newUrl": "gopher://x"}), 40706)
    refused(api_client("webhook/update", {**base, "newCategoryName": "nobody_here"}), 40702)
    refused(api_client("webhook/update", {**base, "newUrl": second_receiver.url}), 40708)
    refused(api_client("webhook/update", {"url": receiver.url, "categoryName": api_user.name, "newEvent": "1"}),
            40709)
    refused(api_client("webhook/update", {"categoryName": "all", "newEvent": "1"}), 40705)
    refused(api_client("webhook/update", {"url": receiver.url, "newEvent": "1"}), 40701)
    receiver.mode = "404"
    third = Receiver(app_key=receiver.app_key, mode="404").start()
    try:
        refused(api_client("webhook/update", {**base, "newUrl": third.url}), 40707)
    finally:
        third.stop()
    assert snapshot() == before


def test_delete(api_client, api_user, receiver):
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"})
    api_client("webhook/add", {"url": receiver.url, "categoryName": api_user.name, "event": "1"})
    refused(api_client("webhook/delete", {"url": receiver.url + "/nope", "categoryName": "all"}), 40709)
    refused(api_client("webhook/delete", {"categoryName": "all"}), 40705)
    body = api_client("webhook/delete", {"url": receiver.url, "categoryName": "all"})
    assert (body["result"], body["info"]) == (True, {"count": 1})
    assert [w.api_user for w in Webhook.objects.all()] == [api_user]
    # Without categoryName every webhook of that URL goes.
    api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"})
    assert api_client("webhook/delete", {"url": receiver.url})["info"] == {"count": 2}
    assert snapshot() == []
    refused(api_client("webhook/delete", {"url": receiver.url}), 40709)


def test_other_accounts_webhooks_and_api_users_are_not_found(api_client, other_account, loopback_allowed):
    from webhooks import services

    stranger = ApiUserFactory(account=other_account)
    their_receiver = Receiver(app_key=other_account.app_key).start()
    try:
        services.create_webhook(account=other_account, url=their_receiver.url, category_name="all",
                                events=["deliver"])
        services.create_webhook(account=other_account, url=their_receiver.url, category_name=stranger.name,
                                events=["deliver"])
        before = snapshot()
        assert api_client("webhook/list")["info"] == {"count": 0, "total": 0, "dataList": []}
        assert api_client("webhook/list", {"categoryName": stranger.name})["info"]["dataList"] == []
        refused(api_client("webhook/update", {"url": their_receiver.url, "categoryName": "all", "newEvent": "3"}),
                40709)
        refused(api_client("webhook/update", {"url": their_receiver.url, "categoryName": stranger.name,
                                              "newEvent": "3"}), 40702)
        refused(api_client("webhook/delete", {"url": their_receiver.url, "categoryName": "all"}), 40709)
        refused(api_client("webhook/delete", {"url": their_receiver.url}), 40709)
        refused(api_client("webhook/add", {"url": their_receiver.url, "categoryName": stranger.name,
                                           "event": "1"}), 40702)
        assert snapshot() == before
        # The same URL is free for this account: uniqueness is per account.
        body = api_client("webhook/add", {"url": their_receiver.url, "categoryName": "all", "event": "1"})
        assert body["result"] is True
    finally:
        their_receiver.stop()


def test_get_is_accepted_like_post(api_client, receiver):
    body = api_client("webhook/add", {"url": receiver.url, "categoryName": "all", "event": "1"}, method="get")
    assert body["result"] is True
    assert api_client("webhook/list", method="get")["info"]["count"] == 1
