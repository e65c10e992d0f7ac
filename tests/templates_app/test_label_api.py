"""/apiv2/label/* against sendcloud-api-v2.md §2.7 and §3."""

from zoneinfo import ZoneInfo

import pytest

from templates_app.models import Label
from tests.templates_app.test_template_api import rejected


def shanghai(moment) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")


def test_add_then_list_shows_it(api_client, account):
    added = api_client("label/add", {"labelName": "双十一活动"})
    label = Label.objects.get()
    data = {
        "labelId": label.pk,
        "labelName": "双十一活动",
        "gmtCreated": shanghai(label.created_at),
        "gmtUpdated": shanghai(label.updated_at),
    }
    assert added == {"result": True, "statusCode": 200, "message": "请求成功", "info": {"data": data}}
    assert label.account == account
    assert api_client("label/list", method="get")["info"] == {"dataList": [data], "total": 1, "count": 1}
    assert api_client("label/get", {"labelId": label.pk})["info"] == {"data": data}


def test_list_query_and_paging_newest_first(api_client):
    for name in ["edm-a", "news", "EDM-b", "edm-c"]:
        api_client("label/add", {"labelName": name})

    def names(**query):
        info = api_client("label/list", query)["info"]
        return [item["labelName"] for item in info["dataList"]], info["total"], info["count"]

    assert names() == (["edm-c", "EDM-b", "news", "edm-a"], 4, 4)
    assert names(query="edm") == (["edm-c", "EDM-b", "edm-a"], 3, 3)
    assert names(query="edm", start=1, limit=1) == (["EDM-b"], 3, 1)
    rejected(api_client, "label/list", {"query": "q" * 256}, 40112)
    rejected(api_client, "label/list", {"limit": "101"}, 40004)


@pytest.mark.parametrize(("name", "code"), [("", 40104), ("  ", 40104), ("n" * 256, 40105)])
def test_add_rejects_bad_names(api_client, name, code):
    rejected(api_client, "label/add", {"labelName": name}, code)


def test_names_unique_per_account(api_client, other_account):
    api_client("label/add", {"labelName": "promo"})
    rejected(api_client, "label/add", {"labelName": "promo"}, 40113)
    Label.objects.create(account=other_account, name="other")
    # Another account's names do not collide.
    assert api_client("label/add", {"labelName": "other"})["statusCode"] == 200


def test_update(api_client):
    first = api_client("label/add", {"labelName": "a"})["info"]["data"]["labelId"]
    api_client("label/add", {"labelName": "b"})
    assert api_client("label/update", {"labelId": first, "labelName": "a2"})["info"] == {"count": 1}
    assert Label.objects.get(pk=first).name == "a2"
    assert api_client("label/update", {"labelId": first, "labelName": "a2"})["info"] == {"count": 1}
    rejected(api_client, "label/update", {"labelId": first, "labelName": "b"}, 40113)
    rejected(api_client, "label/update", {"labelId": first, "labelName": "x" * 256}, 40105)
    rejected(api_client, "label/update", {"labelId": first}, 40104)
    rejected(api_client, "label/update", {"labelName": "c"}, 40102)
    rejected(api_client, "label/update", {"labelId": "abc", "labelName": "c"}, 40103)


def test_delete(api_client):
    label_id = api_client("label/add", {"labelName": "gone"})["info"]["data"]["labelId"]
    assert api_client("label/delete", {"labelId": label_id})["info"] == {"count": 1}
    assert Label.objects.count() == 0
    rejected(api_client, "label/delete", {"labelId": label_id}, 40106)
    rejected(api_client, "label/get", {"labelId": label_id}, 40106)


def test_another_accounts_label_is_not_found(api_client, other_account):
    label = Label.objects.create(account=other_account, name="theirs")
    rejected(api_client, "label/get", {"labelId": label.pk}, 40106)
    rejected(api_client, "label/update", {"labelId": label.pk, "labelName": "mine"}, 40106)
    rejected(api_client, "label/delete", {"labelId": label.pk}, 40106)
    assert api_client("label/list")["info"] == {"dataList": [], "total": 0, "count": 0}
