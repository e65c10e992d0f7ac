"""In headless Chromium: create an API_USER, copy the key from the one-time dialog, and use it."""

import pytest
import requests

from apiusers.models import ApiUser
from tests.browser.fixtures import log_in
from tests.factories import ApiUserFactory, DomainFactory, api_key_for

pytestmark = pytest.mark.browser

TEXTS = {
    "en-US": {
        "create": "Create a new API_USER",
        "submit": "Create",
        "generated": "Generated successfully",
        "once": "take a screenshot or copy it now",
        "regenerate": "Regenerate",
        "saved": "were saved",
    },
    "zh-CN": {
        "create": "创建新的 API_USER",
        "submit": "创建",
        "generated": "生成成功",
        "once": "请您截图或者复制",
        "regenerate": "重新生成",
        "saved": "已保存",
    },
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_create_an_api_user_and_use_the_key_from_the_dialog(browser_page, live_server, account, locale):
    texts = TEXTS[locale]
    DomainFactory(account=account, name="mail.example.com", status="verified")
    page = browser_page(locale)
    log_in(page, account)

    page.goto("/console/apiusers/")
    page.get_by_role("link", name=texts["create"]).first.click()
    page.fill("input[name=name]", "browser_user")
    page.select_option("select[name=email_type]", "1")
    page.select_option("select[name=domain_name]", "mail.example.com")
    page.uncheck("input[name=click_tracking]")
    page.get_by_test_id("submit").click()

    dialog = page.get_by_test_id("key-dialog")
    assert dialog.is_visible()
    assert texts["generated"] in dialog.inner_text()
    assert texts["once"] in dialog.inner_text()
    assert page.get_by_test_id("key-api-user").inner_text() == "browser_user"
    key = page.get_by_test_id("api-key").inner_text().strip()
    page.locator("#copy-api-key").click()
    page.get_by_test_id("close-key-dialog").click()
    assert not dialog.is_visible()

    api_user = ApiUser.objects.get(name="browser_user")
    assert (api_user.email_type, api_user.click_tracking, api_user.open_tracking) == (1, False, True)
    answer = requests.post(
        f"{live_server.url}/apiv2/userinfo/get", data={"apiUser": "browser_user", "apiKey": key}, timeout=10
    ).json()
    assert answer["result"] is True
    assert (answer["info"]["email"], answer["info"]["quota"]) == (account.email, -1)

    page.reload()  # a fresh page never shows the key again
    assert key not in page.content()
    assert page.get_by_test_id("key-dialog").count() == 0


def test_regenerate_and_switch_tracking_in_the_list(browser_page, live_server, account):
    api_user = ApiUserFactory(account=account, name="old_key_user")
    page = browser_page("zh-CN")
    log_in(page, account)
    page.goto("/console/apiusers/")
    row = page.locator("tr[data-name=old_key_user]")
    row.locator("input[name=open_tracking]").uncheck()
    row.get_by_role("button", name="保存").click()
    assert TEXTS["zh-CN"]["saved"] in page.locator(".messages").inner_text()
    api_user.refresh_from_db()
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (False, True, True)

    page.locator("tr[data-name=old_key_user]").get_by_test_id("regenerate").click()
    assert "15 分钟" in page.get_by_test_id("regenerate-confirm").inner_text()
    page.get_by_test_id("confirm-regenerate").click()
    assert "生成成功" in page.get_by_test_id("key-dialog").inner_text()
    new_key = page.get_by_test_id("api-key").inner_text().strip()
    for key in (new_key, api_key_for("old_key_user")):  # the old key is within its 15 minutes
        answer = requests.get(
            f"{live_server.url}/apiv2/userinfo/get", params={"apiUser": "old_key_user", "apiKey": key}, timeout=10
        ).json()
        assert answer["result"] is True
