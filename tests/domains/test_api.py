"""/apiv2/domain/* and /apiv2/trackDomain/* over HTTP (sendcloud-api-v2.md §2.8, §2.15)."""

from zoneinfo import ZoneInfo

import pytest

from domains import services
from domains.models import Domain, DomainStatusChange, TrackingDomain
from tests.domains.helpers import publish
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db

SPF = "v=spf1 include:spf.sendcloud.localhost ~all"
DMARC = "v=DMARC1; p=none; rua=mailto:dmarc@sendcloud.localhost"


def gmt(moment):
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def expected_item(domain, **overrides):
    domain.refresh_from_db()
    selector = domain.dkim_selector
    item = {
        "name": domain.name,
        "type": "测试" if domain.is_test else "普通",
        "verify": domain.verify_bits,
        "verifyKey.domain": f"_dmarc.{domain.name}",
        "verifyKey.value": DMARC,
        "spf.domain": domain.name,
        "spf.value": SPF,
        "dkim.domain": f"{selector}._domainkey.{domain.name}",
        "dkim.value": f"v=DKIM1; k=rsa; p={domain.dkim_public_key}",
        "cname.domain": "",
        "cname.value": "",
        "mx.domain": domain.name,
        "mx.value": "mx.sendcloud.localhost",
        "gmtCreated": gmt(domain.created_at),
        "gmtUpdated": gmt(domain.updated_at),
        "status": domain.status,
        "dkim.selector": selector,
        "mx.priority": 10,
        "checkedAt": gmt(domain.checked_at),
        "spf.current": [],
        "spf.state": "unchecked",
        "dkim.current": [],
        "dkim.state": "unchecked",
        "mx.current": [],
        "mx.state": "unchecked",
        "verifyKey.current": [],
        "verifyKey.state": "unchecked",
    }
    item.update(overrides)
    return item


def error(code, message):
    return {"result": False, "statusCode": code, "message": message, "info": {}}


def test_add_returns_the_domain_with_its_records(api_client, account):
    body = api_client("domain/add", {"name": "Mail.Example.TEST"})
    domain = Domain.objects.get(name="mail.example.test")
    assert domain.account == account
    assert body == {
        "result": True,
        "statusCode": 200,
        "message": "请求成功",
        "info": {"data": expected_item(domain)},
    }
    assert domain.dkim_selector.startswith("s") and len(domain.dkim_selector) == 7


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("", 41001, "name empty. parameter name"),
        (("a" * 63 + ".") * 3 + "b" * 60 + ".test", 41002, None),
        ("ab_c.com", 41003, None),
        ("中文.com", 41003, None),
        ("localhost", 41003, None),
        ("-bad.example.test", 41003, None),
        ("1.2.3.4", 41003, None),
        ("mail.sendcloud.com", 41003, None),
        ("myifaxin.example.test", 41003, None),
        ("x.sendcloud.localhost", 41003, None),
        ("a.example.test;b.example.test", 41013, "multiple names given. parameter name"),
    ],
)
def test_add_refusals_write_nothing(api_client, name, code, message):
    before = Domain.objects.count()
    body = api_client("domain/add", {"name": name})
    assert body["result"] is False
    assert body["statusCode"] == code
    if message:
        assert body["message"] == message
    assert body["info"] == {}
    assert Domain.objects.count() == before


def test_refusal_messages_say_why(api_client):
    assert api_client("domain/add", {"name": "ab_c.com"})["message"] == (
        "not a domain. “ab_c.com” is not a domain name: use letters, digits and hyphens in labels separated "
        "by dots, such as mail.example.com."
    )
    assert api_client("domain/add", {"name": "news.sendcloud.example.test"})["message"] == (
        "not a domain. Domain names containing “sendcloud” are not allowed."
    )
    long_name = ("a" * 63 + ".") * 3 + "b" * 60 + ".test"
    assert api_client("domain/add", {"name": long_name})["message"] == (
        "name 1–250. A domain name has at most 250 characters."
    )


def test_sixth_domain_is_refused_and_the_test_domain_does_not_count(api_client, account):
    services.create_test_domain(account=account)
    existing = Domain.objects.filter(account=account, is_test=False).count()  # the api_user's domain
    for number in range(5 - existing):
        assert api_client("domain/add", {"name": f"d{number}.example.test"})["result"] is True
    assert Domain.objects.filter(account=account, is_test=False).count() == 5
    body = api_client("domain/add", {"name": "sixth.example.test"})
    assert body == error(41012, "> 5 domains. An account can have at most 5 sending domains.")
    assert not Domain.objects.filter(name="sixth.example.test").exists()


def test_a_name_taken_by_another_account_is_refused(api_client, other_account):
    services.add_domain(account=other_account, name="taken.example.test")
    body = api_client("domain/add", {"name": "taken.example.test"})
    assert body == error(41015, "create failed. The domain taken.example.test has already been added.")
    assert Domain.objects.get(name="taken.example.test").account == other_account


def test_list_filters_by_name_type_and_verify(api_client, api_user, account, other_account, dns_server):
    factory_domain = api_user.domain
    test_domain = services.create_test_domain(account=account)
    usable = services.add_domain(account=account, name="usable.example.test")
    publish(dns_server, usable, keys=("spf", "dkim", "mx"))
    usable = services.check_domain(domain=usable)
    plain = services.add_domain(account=account, name="plain.example.test")
    services.add_domain(account=other_account, name="foreign.example.test")

    def names(data):
        body = api_client("domain/list", data)
        assert body["result"] is True, body
        return [item["name"] for item in body["info"]["dataList"]]

    assert names({}) == [test_domain.name, factory_domain.name, usable.name, plain.name]
    assert names({"name": "plain.example.test;usable.example.test;foreign.example.test"}) == [
        usable.name,
        plain.name,
    ]
    assert names({"type": "0"}) == [test_domain.name]
    assert names({"type": "1"}) == [factory_domain.name, usable.name, plain.name]
    assert names({"verify": "7"}) == [usable.name]
    assert names({"verify": ">6"}) == [test_domain.name, usable.name]
    assert names({"verify": "<1"}) == [factory_domain.name, plain.name]

    body = api_client("domain/list", {"name": "usable.example.test"})
    assert body["info"] == {
        "dataList": [
            expected_item(
                usable,
                verify=7,
                **{
                    "spf.current": [SPF],
                    "spf.state": "pass",
                    "dkim.current": [f"v=DKIM1; k=rsa; p={usable.dkim_public_key}"],
                    "dkim.state": "pass",
                    "mx.current": ["10 mx.sendcloud.localhost"],
                    "mx.state": "pass",
                    "verifyKey.state": "fail",
                },
            )
        ],
        "count": 1,
        "total": 1,
    }
    test_item = api_client("domain/list", {"type": "0"})["info"]["dataList"][0]
    assert test_item == expected_item(
        test_domain,
        verify=23,
        **{f"{key}.state": "platform" for key in ("spf", "dkim", "mx", "verifyKey")},
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"type": "2"}, 41008),
        ({"type": "x"}, 41008),
        ({"verify": "abc"}, 41011),
        ({"verify": ">=3"}, 41011),
        ({"verify": "32"}, 41010),
        ({"limit": "101"}, 40004),
    ],
)
def test_list_parameter_errors(api_client, data, code):
    body = api_client("domain/list", data)
    assert (body["result"], body["statusCode"], body["info"]) == (False, code, {})


def test_domain_get_is_an_alias_of_list(api_client, account):
    services.add_domain(account=account, name="alias.example.test")
    assert api_client("domain/get", {"name": "alias.example.test"}) == api_client(
        "domain/list", {"name": "alias.example.test"}
    )


def test_list_pages(api_client, account):
    for number in range(3):
        services.add_domain(account=account, name=f"p{number}.example.test")
    body = api_client("domain/list", {"type": "1", "start": "1", "limit": "2"})
    assert [item["name"] for item in body["info"]["dataList"]] == ["p0.example.test", "p1.example.test"]
    assert (body["info"]["count"], body["info"]["total"]) == (2, 4)


def test_update_renames_an_unverified_domain(api_client, account):
    domain = services.add_domain(account=account, name="old.example.test")
    body = api_client("domain/update", {"name": "old.example.test", "newName": "New.example.test"})
    domain.refresh_from_db()
    assert domain.name == "new.example.test"
    assert body["info"] == {"data": expected_item(domain)}


def test_update_after_verification_is_refused(api_client, account, dns_server):
    domain = services.add_domain(account=account, name="old.example.test")
    publish(dns_server, domain, keys=("dkim",))  # one record verified is enough to freeze the name
    services.check_domain(domain=domain)
    body = api_client("domain/update", {"name": "old.example.test", "newName": "new.example.test"})
    assert body == error(
        41016, "update failed. old.example.test cannot be renamed: some of its records are verified."
    )
    assert Domain.objects.filter(name="old.example.test").exists()
    assert not Domain.objects.filter(name="new.example.test").exists()


def test_update_refusals(api_client, account, other_account):
    services.add_domain(account=account, name="mine.example.test")
    services.add_domain(account=account, name="second.example.test")
    services.add_domain(account=other_account, name="theirs.example.test")
    cases = [
        ({"newName": "x.example.test"}, 41001),
        ({"name": "mine.example.test"}, 41004),
        ({"name": "mine.example.test", "newName": "bad_name.com"}, 41006),
        ({"name": "mine.example.test", "newName": "x" * 251}, 41005),
        ({"name": "theirs.example.test", "newName": "stolen.example.test"}, 41014),
        ({"name": "nothing.example.test", "newName": "x.example.test"}, 41014),
        ({"name": "mine.example.test", "newName": "second.example.test"}, 41016),
        ({"name": "mine.example.test", "newName": "theirs.example.test"}, 41016),
    ]
    for data, code in cases:
        body = api_client("domain/update", data)
        assert (body["result"], body["statusCode"]) == (False, code), (data, body)
    assert sorted(Domain.objects.filter(is_test=False).values_list("name", flat=True))[-3:] == [
        "mine.example.test",
        "second.example.test",
        "theirs.example.test",
    ]
    assert api_client("domain/update", {"name": "mine.example.test"})["message"] == (
        "newName empty. parameter newName"
    )


def test_check_config_verifies_then_dmarc_removal_makes_it_usable(api_client, account, dns_server):
    domain = services.add_domain(account=account, name="mail.example.test")
    publish(dns_server, domain)
    body = api_client("domain/checkConfig", {"name": "mail.example.test"})
    item = body["info"]["data"]
    assert (item["status"], item["verify"]) == ("verified", 23)
    assert item["verifyKey.current"] == [DMARC]
    assert item["verifyKey.state"] == "pass"

    dns_server.delete("_dmarc.mail.example.test")
    item = api_client("domain/checkConfig", {"name": "mail.example.test"})["info"]["data"]
    assert (item["status"], item["verify"]) == ("usable", 7)
    assert (item["verifyKey.state"], item["verifyKey.current"]) == ("fail", [])
    assert DomainStatusChange.objects.filter(domain=domain).count() == 2


def test_check_config_of_another_accounts_domain_is_not_found(api_client, other_account):
    services.add_domain(account=other_account, name="theirs.example.test")
    body = api_client("domain/checkConfig", {"name": "theirs.example.test"})
    assert body == error(41014, "domain not found. No domain named theirs.example.test.")


def test_cname_bit_comes_from_a_verified_tracking_domain(api_client, account, dns_server):
    domain = services.add_domain(account=account, name="mail.example.test")
    tracking = services.add_tracking_domain(account=account, name="t.mail.example.test")
    dns_server.add("t.mail.example.test", "CNAME", "track.sendcloud.localhost")
    services.check_tracking_domain(tracking_domain=tracking)
    item = api_client("domain/list", {"name": "mail.example.test"})["info"]["dataList"][0]
    assert item["verify"] == 8
    assert (item["cname.domain"], item["cname.value"]) == ("t.mail.example.test", "track.sendcloud.localhost")
    assert domain.verify_bits == 0


def test_track_domain_list_and_add(api_client, account, other_account, dns_server):
    services.add_tracking_domain(account=other_account, name="t.other.example.test")
    body = api_client("trackDomain/add", {"name": "t.example.test"})
    tracking = TrackingDomain.objects.get(name="t.example.test")
    assert tracking.account == account
    dns_server.add("t.example.test", "CNAME", "track.sendcloud.localhost")
    services.check_tracking_domain(tracking_domain=tracking)
    tracking.refresh_from_db()
    body = api_client("trackDomain/list", {})
    assert body["info"] == {
        "dataList": [
            {
                "id": tracking.id,
                "name": "t.example.test",
                "cname": True,
                "gmtCreated": gmt(tracking.created_at),
                "gmtUpdated": gmt(tracking.updated_at),
                "cname.domain": "t.example.test",
                "cname.value": "track.sendcloud.localhost",
                "https": False,
                "certiValidityStart": "",
                "certiValidityEnd": "",
                "cname.current": ["track.sendcloud.localhost"],
                "cname.state": "pass",
                "checkedAt": gmt(tracking.checked_at),
            }
        ],
        "count": 1,
        "total": 1,
    }
    assert api_client("trackDomain/list", {"name": "t.other.example.test"})["info"]["dataList"] == []


def test_track_domain_check_config(api_client, account, dns_server):
    services.add_tracking_domain(account=account, name="t.example.test")
    item = api_client("trackDomain/checkConfig", {"name": "t.example.test"})["info"]["data"]
    assert (item["cname"], item["cname.state"], item["cname.current"]) == (False, "fail", [])
    dns_server.add("t.example.test", "CNAME", "track.sendcloud.localhost")
    item = api_client("trackDomain/checkConfig", {"name": "t.example.test"})["info"]["data"]
    assert (item["cname"], item["cname.state"]) == (True, "pass")


def test_factory_domains_without_keys_still_list(api_client, account):
    DomainFactory(account=account, name="legacy.example.test", status="unverified")
    item = api_client("domain/list", {"name": "legacy.example.test"})["info"]["dataList"][0]
    assert item["dkim.value"] == "v=DKIM1; k=rsa; p="
