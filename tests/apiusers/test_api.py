"""/apiv2/apiuser/list, /apiv2/apiuser/add and /apiv2/userinfo/get through the real dispatcher."""

import datetime

import pytest
from django.utils import timezone

from apiusers import services
from apiusers.credentials import hash_api_key
from apiusers.models import ApiUser, DailyUsage
from tests.factories import ApiUserFactory, DomainFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain(account):
    return DomainFactory(account=account, name="mail.example.com")


def test_add_returns_the_key_once_and_it_works(api_client, client, account, domain):
    body = api_client("apiuser/add", {"name": "new_sender", "emailType": "1", "domainName": "Mail.Example.com"})
    assert body["result"] is True and body["statusCode"] == 200
    data = body["info"]["data"]
    key = data.pop("nameKey")
    assert body["info"]["total"] == 1
    assert data == {
        "name": "new_sender",
        "cType": "非测试",
        "emailType": "批量",
        "domain": "mail.example.com",
        "neteaseSender": "",
        "click": 1,
        "open": 1,
        "unsubscribe": 1,
    }
    created = ApiUser.objects.get(name="new_sender")
    assert created.account == account
    assert created.key_hash == hash_api_key(key)
    # The key answers calls, and is not in any later answer.
    info = client.post("/apiv2/userinfo/get", {"apiUser": "new_sender", "apiKey": key}).json()
    assert info["result"] is True
    listing = api_client("apiuser/list")
    assert key not in str(listing) and key not in str(info)


def test_add_with_switches_off(api_client, domain):
    body = api_client("apiuser/add", {"name": "quiet_sender", "emailType": "0", "domainName": "mail.example.com", "open": "0", "click": "0", "unsubscribe": "0"})
    data = body["info"]["data"]
    assert (data["open"], data["click"], data["unsubscribe"], data["emailType"]) == (0, 0, 0, "触发")
    created = ApiUser.objects.get(name="quiet_sender")
    assert (created.open_tracking, created.click_tracking, created.unsubscribe_tracking) == (False, False, False)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"emailType": "0", "domainName": "mail.example.com"}, 41110),
        ({"name": "abcde", "emailType": "0", "domainName": "mail.example.com"}, 41111),
        ({"name": "a" * 65, "emailType": "0", "domainName": "mail.example.com"}, 41111),
        ({"name": "bad name!", "emailType": "0", "domainName": "mail.example.com"}, 41111),
        ({"name": "valid_name", "domainName": "mail.example.com"}, 41101),
        ({"name": "valid_name", "emailType": "", "domainName": "mail.example.com"}, 41101),
        ({"name": "valid_name", "emailType": "2", "domainName": "mail.example.com"}, 41102),
        ({"name": "valid_name", "emailType": "0"}, 41105),
        ({"name": "valid_name", "emailType": "0", "domainName": "x" * 251}, 41107),
        ({"name": "valid_name", "emailType": "0", "domainName": "unknown.example.com"}, 41108),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "open": ""}, 41113),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "open": "yes"}, 41114),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "click": ""}, 41115),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "click": "2"}, 41116),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "unsubscribe": ""}, 41117),
        ({"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "unsubscribe": "x"}, 41118),
    ],
)
def test_add_refusals_carry_their_status_code_and_write_nothing(api_client, domain, data, code):
    before = ApiUser.objects.count()
    body = api_client("apiuser/add", data)
    assert (body["result"], body["statusCode"], body["info"]) == (False, code, {})
    assert ApiUser.objects.count() == before


def test_add_messages(api_client, domain, other_account):
    DomainFactory(account=other_account, name="theirs.example.com")
    body = api_client("apiuser/add", {"name": "valid_name", "emailType": "0", "domainName": "theirs.example.com"})
    assert body["message"] == "domain not found. The domain theirs.example.com is not one of your domains."
    DomainFactory(account=domain.account, name="pending.example.com", status="unverified")
    body = api_client("apiuser/add", {"name": "valid_name", "emailType": "0", "domainName": "pending.example.com"})
    assert body["statusCode"] == 41106
    assert "pending.example.com is unverified" in body["message"]
    body = api_client("apiuser/add", {"name": "valid_name", "emailType": "0", "domainName": "mail.example.com", "open": "x"})
    assert body["message"] == "open invalid. parameter open: 'x'"
    assert not ApiUser.objects.filter(name="valid_name").exists()


def test_add_refuses_the_eleventh(api_client, api_user, domain):
    for number in range(9):
        assert api_client("apiuser/add", {"name": f"sender_{number}", "emailType": "0", "domainName": "mail.example.com"})["result"]
    body = api_client("apiuser/add", {"name": "sender_10", "emailType": "0", "domainName": "mail.example.com"})
    assert body["statusCode"] == 41112
    assert ApiUser.objects.filter(account=api_user.account).count() == 10


def test_list_shows_only_the_callers_account_with_filters(api_client, api_user, account, other_account):
    test_domain = DomainFactory(account=account, name="t1.sendcloud.localhost", is_test=True)
    test_user = ApiUserFactory(account=account, domain=test_domain, is_test=True, daily_quota=200, name="the_test_user")
    batch_user = ApiUserFactory(account=account, domain=api_user.domain, email_type=1, name="the_batch_user", click_tracking=False, sender_address=f"news@{api_user.domain.name}")
    ApiUserFactory(account=other_account, name="someone_elses")

    body = api_client("apiuser/list", method="get")
    assert body["info"]["count"] == 3 and body["info"]["total"] == 3
    assert [row["name"] for row in body["info"]["dataList"]] == [api_user.name, test_user.name, batch_user.name]
    assert body["info"]["dataList"][2] == {
        "name": "the_batch_user",
        "cType": "非测试",
        "emailType": "批量",
        "domainName": api_user.domain.name,
        "neteaseSender": f"news@{api_user.domain.name}",
        "click": 0,
        "open": 1,
        "unsubscribe": 1,
    }
    assert body["info"]["dataList"][1]["cType"] == "测试"

    names = lambda response: [row["name"] for row in response["info"]["dataList"]]  # noqa: E731
    assert names(api_client("apiuser/list", {"emailType": "1"})) == ["the_batch_user"]
    assert names(api_client("apiuser/list", {"cType": "0"})) == ["the_test_user"]
    assert names(api_client("apiuser/list", {"cType": "1", "emailType": "0"})) == [api_user.name]
    assert names(api_client("apiuser/list", {"domainName": "t1.sendcloud.localhost"})) == ["the_test_user"]
    assert api_client("apiuser/list", {"emailType": "3"})["statusCode"] == 41102
    assert api_client("apiuser/list", {"cType": "x"})["statusCode"] == 41104


def test_userinfo_get_for_an_unlimited_api_user(api_client, api_user, account):
    services.consume_quota(api_user=api_user, count=7)
    body = api_client("userinfo/get", method="get")
    assert body == {
        "result": True,
        "statusCode": 200,
        "message": "请求成功",
        "info": {
            "availableBalance": 0,
            "avaliableBalance": 0,
            "balance": 0,
            "email": account.email,
            "phone": "",
            "quota": -1,
            "todayUsedQuota": 7,
            "regTime": timezone.localtime(account.date_joined).strftime("%Y-%m-%d"),
            "reputation": 100,
            "userName": account.email,
            "accountType": "自托管用户",
            "websiteAuthStatus": False,
            "businessAuthStatus": False,
        },
    }


def test_userinfo_get_reports_the_callers_quota_and_usage(client, account):
    api_user, key = services.create_test_credentials(account=account)
    body = client.post("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": key}).json()
    assert (body["info"]["quota"], body["info"]["todayUsedQuota"]) == (200, 0)
    services.consume_quota(api_user=api_user, count=200)
    body = client.get("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": key}).json()
    assert (body["info"]["quota"], body["info"]["todayUsedQuota"]) == (200, 200)


def test_a_test_api_user_over_its_daily_quota_gets_40904(account):
    api_user, _key = services.create_test_credentials(account=account)
    services.consume_quota(api_user=api_user, count=199)
    services.consume_quota(api_user=api_user)
    with pytest.raises(services.ApiError) as raised:
        services.consume_quota(api_user=api_user)
    assert raised.value.status_code == 40904
    assert "Request quota exceeded" in raised.value.message
    assert DailyUsage.objects.get(api_user=api_user).used == 200
    assert DailyUsage.objects.get(api_user=api_user).day == timezone.localdate()
    assert isinstance(DailyUsage.objects.get(api_user=api_user).day, datetime.date)


def test_cross_account_calls_see_only_their_own_account(client, api_user, other_account):
    theirs = ApiUserFactory(account=other_account)
    DomainFactory(account=other_account, name="theirs.example.com")
    mine = client.post("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name)}).json()
    assert mine["info"]["email"] == api_user.account.email
    # Another account's API_USER name with my key is refused; listing never shows theirs.
    wrong = client.post("/apiv2/apiuser/list", {"apiUser": theirs.name, "apiKey": api_key_for(api_user.name)}).json()
    assert wrong["statusCode"] == 40005
    listing = client.post("/apiv2/apiuser/list", {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "domainName": "theirs.example.com"}).json()
    assert listing["info"] == {"count": 0, "total": 0, "dataList": []}
    added = client.post("/apiv2/apiuser/add", {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "name": "sneaky_user", "emailType": "0", "domainName": "theirs.example.com"}).json()
    assert added["statusCode"] == 41108
    assert not ApiUser.objects.filter(name="sneaky_user").exists()
