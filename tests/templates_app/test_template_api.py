"""/apiv2/template/* against sendcloud-api-v2.md §2.5 and §3, through the real dispatcher."""

import re
from zoneinfo import ZoneInfo

import pytest

from templates_app.models import Label, Template, TemplateStat
from tests.factories import ApiUserFactory, api_key_for

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")

ADD = {
    "invokeName": "order_paid",
    "name": "订单支付成功",
    "subject": "您的订单 %order_id% 已支付",
    "html": "<p>亲爱的%name%：</p><p>订单 %order_id% 已支付。</p>",
    "templateType": "0",
}


def shanghai(moment) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")


def tables():
    """Everything this app stores, to check that a rejected call wrote nothing."""
    return list(Template.objects.order_by("id").values()), list(Label.objects.order_by("id").values())


def rejected(api_client, path, data, code):
    before = tables()
    body = api_client(path, data)
    assert (body["result"], body["statusCode"], body["info"]) == (False, code, {}), body
    assert tables() == before
    return body


def test_add_then_get_round_trips(api_client, account):
    added = api_client("template/add", ADD)
    template = Template.objects.get()
    assert added == {
        "result": True,
        "statusCode": 200,
        "message": "请求成功",
        "info": {
            "data": {
                "name": "订单支付成功",
                "invokeName": "order_paid",
                "templateType": 0,
                "templateStat": 1,
                "gmtCreated": shanghai(template.created_at),
                "gmtUpdated": "",
                "html": ADD["html"],
                "subject": "您的订单 %order_id% 已支付",
                "contentSummary": "",
                "text": "亲爱的%name%：\n\n订单 %order_id% 已支付。\n",
                "rawVariables": [],
            }
        },
    }
    got = api_client("template/get", {"invokeName": "order_paid"}, method="get")
    assert got["info"]["data"] == {**added["info"]["data"], "gmtUpdated": shanghai(template.updated_at)}
    assert TIMESTAMP.fullmatch(got["info"]["data"]["gmtCreated"])
    assert (template.account, template.template_stat, template.plain_derived) == (account, TemplateStat.APPROVED, True)


def test_add_with_text_summary_and_raw_variables(api_client):
    body = api_client(
        "template/add",
        {**ADD, "text": "Plain %name%", "contentSummary": "摘要", "rawVariables": "content;%footer%", "templateType": "1"},
    )
    data = body["info"]["data"]
    assert (data["text"], data["contentSummary"], data["rawVariables"], data["templateType"]) == (
        "Plain %name%",
        "摘要",
        ["%content%", "%footer%"],
        1,
    )
    assert Template.objects.get().raw_tokens == frozenset({"%content%", "%footer%"})


@pytest.mark.parametrize("invoke_name", ["a", "A-b_9", "x" * 250, "2024-Double_11"])
def test_invoke_name_accepted(api_client, invoke_name):
    assert api_client("template/add", {**ADD, "invokeName": invoke_name})["info"]["data"]["invokeName"] == invoke_name


@pytest.mark.parametrize(
    ("invoke_name", "code"),
    [("", 40201), ("   ", 40201), ("has space", 40202), ("双十一", 40202), ("a.b", 40202), ("x" * 251, 40202), ("a%b", 40202)],
)
def test_invoke_name_rejected(api_client, invoke_name, code):
    rejected(api_client, "template/add", {**ADD, "invokeName": invoke_name}, code)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": ""}, 40207),
        ({"name": "n" * 256}, 40208),
        ({"subject": ""}, 40209),
        ({"subject": "s" * 256}, 40210),
        ({"html": ""}, 40211),
        ({"html": "<div> </div>"}, 40212),
        ({"templateType": ""}, 40203),
        ({"templateType": "2"}, 40204),
        ({"templateType": "-1"}, 40204),
        ({"templateType": "batch"}, 40204),
        ({"isSubmitAudit": "2"}, 40222),
        ({"contentSummary": "摘" * 67}, 40878),
    ],
)
def test_add_rejects_bad_fields(api_client, change, code):
    rejected(api_client, "template/add", {**ADD, **change}, code)


def test_invoke_name_unique_per_account(api_client, other_account):
    api_client("template/add", ADD)
    body = rejected(api_client, "template/add", {**ADD, "name": "again"}, 40220)
    assert body["message"] == "invokeName exists. invokeName: order_paid"
    # Another account may use the same invoke name.
    other = ApiUserFactory(account=other_account)
    from django.test import Client

    response = Client().post("/apiv2/template/add", {**ADD, "apiUser": other.name, "apiKey": api_key_for(other.name)})
    assert response.json()["statusCode"] == 200
    assert Template.objects.filter(invoke_name="order_paid").count() == 2


def test_the_1001st_template_is_refused(api_client, account):
    Template.objects.bulk_create(
        Template(
            account=account,
            name=f"t{n}",
            invoke_name=f"t{n}",
            template_type=0,
            template_stat=1,
            subject="s",
            html="<p>x</p>",
            plain="x",
        )
        for n in range(1000)
    )
    body = rejected(api_client, "template/add", ADD, 40219)
    assert body["message"] == "at most 1000 templates per account"
    assert Template.objects.count() == 1000


def test_review_on_new_template_is_pending_or_not_submitted(api_client, account):
    account.templates_need_review = True
    account.save()
    assert api_client("template/add", ADD)["info"]["data"]["templateStat"] == 0
    draft = api_client("template/add", {**ADD, "invokeName": "draft", "isSubmitAudit": "0"})
    assert draft["info"]["data"]["templateStat"] == -2
    # A pending template cannot be edited while review is on.
    rejected(api_client, "template/update", {"invokeName": "order_paid", "name": "changed"}, 40223)
    # A draft can, and stays a draft unless submitted.
    assert api_client("template/update", {"invokeName": "draft", "name": "d2", "isSubmitAudit": "0"})["info"] == {"count": 1}
    assert Template.objects.get(invoke_name="draft").template_stat == -2
    api_client("template/update", {"invokeName": "draft", "subject": "new"})
    assert Template.objects.get(invoke_name="draft").template_stat == 0


def test_update_changes_only_the_given_fields(api_client):
    api_client("template/add", ADD)
    body = api_client(
        "template/update",
        {"invokeName": "order_paid", "html": "<p>New %name%</p>", "templateType": "1", "isSubmitAudit": "0"},
    )
    assert body == {"result": True, "statusCode": 200, "message": "请求成功", "info": {"count": 1}}
    data = api_client("template/get", {"invokeName": "order_paid"})["info"]["data"]
    assert (data["name"], data["subject"], data["html"], data["text"], data["templateType"], data["templateStat"]) == (
        "订单支付成功",
        ADD["subject"],
        "<p>New %name%</p>",
        "New %name%\n",
        1,
        1,  # review is off: approved at once whatever isSubmitAudit says
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [({"templateType": "3"}, 40204), ({"name": "n" * 256}, 40208), ({"subject": "s" * 256}, 40210), ({"isSubmitAudit": "x"}, 40222)],
)
def test_update_rejections_change_nothing(api_client, change, code):
    api_client("template/add", ADD)
    rejected(api_client, "template/update", {"invokeName": "order_paid", "name": "new name", **change}, code)


def test_delete(api_client):
    api_client("template/add", ADD)
    assert api_client("template/delete", {"invokeName": "order_paid"})["info"] == {"count": 1}
    assert Template.objects.count() == 0
    rejected(api_client, "template/delete", {"invokeName": "order_paid"}, 40216)
    rejected(api_client, "template/delete", {}, 40201)


def test_another_accounts_template_is_not_found(api_client, other_account):
    other = ApiUserFactory(account=other_account)
    from django.test import Client

    Client().post("/apiv2/template/add", {**ADD, "apiUser": other.name, "apiKey": api_key_for(other.name)})
    assert Template.objects.get().account == other_account
    for path, extra in [
        ("template/get", {}),
        ("template/update", {"name": "stolen"}),
        ("template/delete", {}),
        ("template/submit", {}),
    ]:
        rejected(api_client, path, {"invokeName": "order_paid", **extra}, 40216)
    assert api_client("template/list")["info"] == {"dataList": [], "total": 0, "count": 0}


def test_list_filters_and_paging(api_client, account):
    account.templates_need_review = True
    account.save()
    for n in range(5):
        api_client(
            "template/add",
            {**ADD, "invokeName": f"t{n}", "name": f"T{n}", "templateType": str(n % 2), "isSubmitAudit": str(n // 3)},
        )
    info = api_client("template/list", method="get")["info"]
    assert [item["invokeName"] for item in info["dataList"]] == ["t0", "t1", "t2", "t3", "t4"]
    assert (info["total"], info["count"]) == (5, 5)
    template = Template.objects.get(invoke_name="t0")
    assert info["dataList"][0] == {
        "name": "T0",
        "invokeName": "t0",
        "templateType": 0,
        "templateStat": -2,
        "gmtCreated": shanghai(template.created_at),
        "gmtUpdated": shanghai(template.updated_at),
    }

    def names(**query):
        info = api_client("template/list", query)["info"]
        return [item["invokeName"] for item in info["dataList"]], info["total"], info["count"]

    assert names(templateType=1) == (["t1", "t3"], 2, 2)
    assert names(templateStat=0) == (["t3", "t4"], 2, 2)
    assert names(isVerify=-2) == (["t0", "t1", "t2"], 3, 3)
    assert names(invokeName="t2") == (["t2"], 1, 1)
    assert names(start=1, limit=2) == (["t1", "t2"], 5, 2)
    assert names(start=10) == ([], 5, 0)
    for query, code in [
        ({"templateType": "2"}, 40204),
        ({"templateStat": "5"}, 40206),
        ({"templateStat": "x"}, 40206),
        ({"limit": "101"}, 40004),
        ({"start": "-1"}, 40002),
    ]:
        rejected(api_client, "template/list", query, code)


def test_submit_and_withdraw(api_client, account):
    account.templates_need_review = True
    account.save()
    api_client("template/add", {**ADD, "isSubmitAudit": "0"})

    def submit(cancel):
        return api_client("template/submit", {"invokeName": "order_paid", "cancel": cancel})

    rejected(api_client, "template/submit", {"invokeName": "order_paid", "cancel": "1"}, 40229)
    assert submit("0")["info"] == {"count": 1}
    assert Template.objects.get().template_stat == 0
    rejected(api_client, "template/submit", {"invokeName": "order_paid"}, 40226)
    assert submit("1")["info"] == {"count": 1}
    assert Template.objects.get().template_stat == -2
    Template.objects.update(template_stat=TemplateStat.REJECTED)
    rejected(api_client, "template/submit", {"invokeName": "order_paid", "cancel": "1"}, 40228)
    submit("0")
    Template.objects.update(template_stat=TemplateStat.APPROVED)
    rejected(api_client, "template/submit", {"invokeName": "order_paid"}, 40227)
    rejected(api_client, "template/submit", {"invokeName": "order_paid", "cancel": "1"}, 40227)
    rejected(api_client, "template/submit", {"invokeName": "order_paid", "cancel": "2"}, 40225)
