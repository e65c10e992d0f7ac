"""unsubscribe/list|add|delete and openandclick/list (sendcloud-api-v2.md §2.13)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Event, Suppression
from tests.factories import ApiUserFactory
from tracking import tokens

pytestmark = pytest.mark.django_db

TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.fixture
def unsubscribed(api_user, other_account):
    second = ApiUserFactory(account=api_user.account)
    rows = [
        Suppression.objects.create(account=api_user.account, address="u0@example.com", kind="unsubscribe",
                                   api_user=api_user, label_id=7),
        Suppression.objects.create(account=api_user.account, address="u1@other.test", kind="unsubscribe",
                                   api_user=second),
        Suppression.objects.create(account=api_user.account, address="u2@example.com", kind="unsubscribe"),
    ]
    Suppression.objects.filter(pk=rows[2].pk).update(created_at=timezone.now() - timedelta(days=10))
    Suppression.objects.create(account=api_user.account, address="bounced@example.com", kind="bounce")
    Suppression.objects.create(account=other_account, address="theirs@example.com", kind="unsubscribe")
    return rows


def test_unsubscribe_list_by_range_api_user_and_label(api_client, unsubscribed, api_user):
    info = api_client("unsubscribe/list", {"days": "1"}, method="get")["info"]
    assert (info["count"], info["total"]) == (2, 2)
    assert [item["email"] for item in info["dataList"]] == ["u1@other.test", "u0@example.com"]
    first = info["dataList"][1]
    assert {k: v for k, v in first.items() if k != "unsubscribeTime"} == {
        "email": "u0@example.com", "domain": "example.com", "labelId": 7, "apiUser": api_user.name}
    assert re.fullmatch(TIME, first["unsubscribeTime"])
    assert [i["email"] for i in api_client("unsubscribe/list", {"days": "30"})["info"]["dataList"]] == [
        "u1@other.test", "u0@example.com", "u2@example.com"]
    assert [i["email"] for i in api_client("unsubscribe/list", {"days": "30", "apiUserList": api_user.name})[
        "info"]["dataList"]] == ["u0@example.com"]
    assert [i["email"] for i in api_client("unsubscribe/list", {"labelIdList": "7;8"})["info"]["dataList"]] == [
        "u0@example.com"]
    page = api_client("unsubscribe/list", {"days": "30", "start": "1", "limit": "1"})["info"]
    assert ([i["email"] for i in page["dataList"]], page["count"], page["total"]) == (["u0@example.com"], 1, 3)


def test_unsubscribe_list_by_email_ignores_the_range_and_other_accounts(api_client, unsubscribed):
    item = api_client("unsubscribe/list", {"email": "U2@example.com", "days": "1"})["info"]["dataList"]
    assert [(i["email"], i["apiUser"], i["labelId"]) for i in item] == [("u2@example.com", "", 0)]
    assert api_client("unsubscribe/list", {"email": "theirs@example.com"})["info"]["dataList"] == []


@pytest.mark.parametrize(("params", "code"), [({"days": "0"}, 40006), ({"days": "93"}, 40006),
                                              ({"startDate": "2026-13-01"}, 40007), ({"limit": "101"}, 40004),
                                              ({"labelIdList": "x"}, 40015)])
def test_unsubscribe_list_rejects_bad_parameters(api_client, unsubscribed, params, code):
    body = api_client("unsubscribe/list", params)
    assert (body["result"], body["statusCode"], body["info"]) == (False, code, {})


def test_unsubscribe_add_answers_40401_and_suppresses(api_client, api_user):
    body = api_client("unsubscribe/add", {"email": "New@Example.COM"})
    assert (body["result"], body["statusCode"], body["message"]) == (True, 40401, "record created")
    data = body["info"]["data"]
    assert {k: v for k, v in data.items() if k != "unsubscribeTime"} == {
        "email": "New@example.com", "domain": "example.com", "labelId": 0, "apiUser": api_user.name}
    row = Suppression.objects.get()
    assert (row.account_id, row.address, row.kind, row.api_user_id) == (
        api_user.account_id, "New@example.com", "unsubscribe", api_user.pk)
    again = api_client("unsubscribe/add", {"email": "New@example.com"})
    assert (again["statusCode"], again["info"]["data"]["unsubscribeTime"]) == (40401, data["unsubscribeTime"])
    assert Suppression.objects.count() == 1


@pytest.mark.parametrize(("email", "code"), [("", 40011), ("not-an-address", 40012), ("a@b@c", 40012)])
def test_unsubscribe_add_rejects_bad_addresses_writing_nothing(api_client, email, code):
    body = api_client("unsubscribe/add", {"email": email})
    assert (body["result"], body["statusCode"]) == (False, code)
    assert Suppression.objects.count() == 0


def test_unsubscribe_delete_by_email_and_by_range(api_client, unsubscribed):
    assert api_client("unsubscribe/delete", {"email": "theirs@example.com"})["info"] == {"count": 0}
    assert api_client("unsubscribe/delete", {"email": "u0@example.com"})["info"] == {"count": 1}
    assert api_client("unsubscribe/delete", {"days": "1"})["info"] == {"count": 1}
    assert sorted(Suppression.objects.values_list("address", "kind")) == [
        ("bounced@example.com", "bounce"), ("theirs@example.com", "unsubscribe"), ("u2@example.com", "unsubscribe")]


@pytest.fixture
def tracked(send, tracking_settings, client, other_account):
    first, second = send(html="<p>x</p>", to="a@rcpt.example.test;b@other.test")
    client.get(f"/t/o/{tokens.email_token(tokens.OPEN, first.pk)}", REMOTE_ADDR="203.0.113.1")
    client.get(f"/t/c/{tokens.click_token(first.pk, 0, 'https://shop.example/p?q=1')}", REMOTE_ADDR="203.0.113.1")
    client.get(f"/t/o/{tokens.email_token(tokens.OPEN, second.pk)}", REMOTE_ADDR="203.0.113.2")
    Event.objects.filter(email=second).update(created_at=timezone.now() - timedelta(days=5))
    return first, second


def test_openandclick_list(api_client, tracked, api_user):
    first, second = tracked
    info = api_client("openandclick/list", {"days": "1"}, method="get")["info"]
    assert (info["total"], info["count"]) == (2, 2)
    click, opened = info["dataList"]
    assert {k: v for k, v in click.items() if k != "currTime"} == {
        "trackType": 2, "apiUser": api_user.name, "email": "a@rcpt.example.test", "emailId": first.email_id,
        "labelId": 0, "url": "https://shop.example/p?q=1", "ip": "203.0.113.1"}
    assert (opened["trackType"], opened["url"]) == (1, "")
    assert re.fullmatch(TIME, opened["currTime"])
    assert [i["trackType"] for i in api_client("openandclick/list", {"days": "7", "trackType": "1"})["info"][
        "dataList"]] == [1, 1]
    by_email = api_client("openandclick/list", {"email": "b@other.test", "days": "1"})["info"]
    assert [(i["email"], i["trackType"]) for i in by_email["dataList"]] == [("b@other.test", 1)]
    assert api_client("openandclick/list", {"days": "7", "apiUserList": "nobody"})["info"]["dataList"] == []


def test_openandclick_list_is_scoped_to_the_account(tracked, client, other_account):
    from tests.factories import api_key_for

    theirs = ApiUserFactory(account=other_account)
    body = client.post("/apiv2/openandclick/list", {"apiUser": theirs.name, "apiKey": api_key_for(theirs.name),
                                                     "days": "7"}).json()
    assert (body["info"]["total"], body["info"]["dataList"]) == (0, [])


def test_openandclick_list_rejects_a_bad_track_type(api_client, tracked):
    body = api_client("openandclick/list", {"trackType": "3"})
    assert (body["result"], body["statusCode"], body["message"]) == (
        False, 40902, "invalid trackType. trackType must be 1 (open) or 2 (click)")
