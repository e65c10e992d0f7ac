"""bounce/list|count|delete and data/emailStatus (sendcloud-api-v2.md §2.12, §2.13)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Email, EmailStatus, Suppression
from tests.delivery.helpers import sender_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounces(api_user, other_account):
    now = timezone.now()
    rows = [
        Suppression.objects.create(account=api_user.account, address=f"b{i}@example.com", kind="bounce",
                                   reason=f"550 5.1.1 user unknown {i}", expires_at=now + timedelta(hours=2))
        for i in range(3)
    ]
    Suppression.objects.create(account=api_user.account, address="old@example.com", kind="bounce",
                               expires_at=now - timedelta(minutes=1))
    Suppression.objects.create(account=api_user.account, address="unsub@example.com", kind="unsubscribe")
    Suppression.objects.create(account=other_account, address="theirs@example.com", kind="bounce")
    return rows


def test_bounce_list_shows_the_accounts_active_bounces(api_client, bounces):
    body = api_client("bounce/list", {"days": "1", "limit": "2"}, method="get")
    assert body["result"] is True
    info = body["info"]
    assert (info["count"], info["total"]) == (2, 3)
    assert [item["email"] for item in info["dataList"]] == ["b2@example.com", "b1@example.com"]
    first = info["dataList"][0]
    assert first["reason"] == "550 5.1.1 user unknown 2"
    assert first["domain"] == "example.com"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["bounceTime"])


def test_bounce_list_by_email_and_count(api_client, bounces):
    assert [i["email"] for i in api_client("bounce/list", {"email": "B1@example.com"})["info"]["dataList"]] == [
        "b1@example.com"]
    assert api_client("bounce/count", {"days": "3"})["info"] == {"count": 3}
    assert api_client("bounce/list", {"email": "theirs@example.com"})["info"]["dataList"] == []


def test_bounce_delete_removes_only_the_matching_rows(api_client, bounces, api_user):
    assert api_client("bounce/delete", {"email": "b0@example.com"})["info"] == {"count": 1}
    assert api_client("bounce/delete", {"email": "theirs@example.com"})["info"] == {"count": 0}
    assert sorted(Suppression.objects.values_list("address", flat=True)) == [
        "b1@example.com", "b2@example.com", "old@example.com", "theirs@example.com", "unsub@example.com"]


@pytest.mark.parametrize(("params", "code"), [({"days": "0"}, 40006), ({"startDate": "2026-13-01"}, 40007),
                                              ({"startDate": "2026-01-10", "endDate": "2026-01-01"}, 40008),
                                              ({"limit": "500"}, 40004)])
def test_bounce_list_rejects_bad_ranges(api_client, bounces, params, code):
    body = api_client("bounce/list", params)
    assert (body["result"], body["statusCode"]) == (False, code)


@pytest.fixture
def sent(api_client, api_user):
    body = api_client("mail/send", {"from": sender_of(api_user), "to": "a@example.com;b@other.test;c@example.com",
                                    "subject": "S", "plain": "p"})
    emails = list(Email.objects.order_by("position"))
    Email.objects.filter(pk=emails[1].pk).update(status=EmailStatus.DELIVERED, last_log="successfully delivered")
    Email.objects.filter(pk=emails[2].pk).update(status=EmailStatus.INVALID, sub_status=406, last_log="invalid")
    return body["info"]["emailIdList"]


def test_email_status_keeps_sendclouds_quirks(api_client, sent, api_user):
    body = api_client("data/emailStatus", {"days": "1"}, method="get")
    info = body["info"]
    assert info["total"] == "3"  # a JSON string, as SendCloud (and smartwalle's client) has it
    assert info["voListSize"] == 3
    by_id = {item["emailId"]: item for item in info["voList"]}
    assert set(by_id) == set(sent)
    b = by_id[sent[1]]
    assert (b["status"], b["statusCode"], b["recipients"], b["apiUser"], b["sendLog"]) == (
        "送达", 1, "b@other.test", api_user.name, "successfully delivered")
    c = by_id[sent[2]]
    assert (c["status"], c["subStatus"], c["subStatusDesc"]) == ("无效邮件", 406, "地址不存在")
    assert by_id[sent[0]]["status"] == "请求中"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email": "b@other.test"}, [1]),
        ({"email": "example.com"}, [0, 2]),
        ({"status": "4"}, [2]),
        ({"subStatus": "406;407"}, [2]),
        ({"status": "18"}, [0]),
    ],
)
def test_email_status_filters(api_client, sent, params, expected):
    body = api_client("data/emailStatus", {"days": "1", **params})
    assert sorted(item["emailId"] for item in body["info"]["voList"]) == sorted(sent[i] for i in expected)


def test_email_status_by_email_ids_and_range_limit(api_client, sent):
    body = api_client("data/emailStatus", {"emailIds": f"{sent[0]};{sent[2]}"})
    assert body["info"]["total"] == "2"
    assert api_client("data/emailStatus", {"days": "31"})["statusCode"] == 40006


def test_email_status_never_shows_another_accounts_mail(sent, client, other_account):
    from tests.factories import ApiUserFactory, api_key_for

    theirs = ApiUserFactory(account=other_account)
    body = client.post("/apiv2/data/emailStatus", {"apiUser": theirs.name, "apiKey": api_key_for(theirs.name),
                                                   "emailIds": ";".join(sent)}).json()
    assert (body["info"]["total"], body["info"]["voList"]) == ("0", [])
