"""In headless Chromium (zh-CN): create a webhook against a real receiver, then 模拟推送 and read the answer."""

import pytest

from tests.browser.fixtures import log_in
from tests.factories import ApiUserFactory
from webhooks.models import Webhook

pytestmark = pytest.mark.browser


def test_create_a_webhook_and_simulate_a_push(browser_page, account, receiver):
    api_user = ApiUserFactory(account=account, name="shop_trigger")
    page = browser_page("zh-CN")
    log_in(page, account)

    page.goto("/console/webhooks/")
    assert page.get_by_test_id("app-key").inner_text() == account.app_key
    page.get_by_role("link", name="创建Webhook").click()
    for label in ("垃圾邮件举报", "无效邮件", "软退信", "打开", "取消订阅", "请求"):
        page.get_by_label(label, exact=True).uncheck()
    page.select_option("select[name=api_user]", "shop_trigger")
    page.fill("input[name=url]", receiver.url)
    page.get_by_test_id("submit").click()
    page.wait_for_url("**/console/webhooks/")

    row = page.get_by_test_id("webhook-row")
    assert row.count() == 1
    assert row.get_by_test_id("health").inner_text().strip() == "可用"
    assert "送达, 点击" in row.inner_text()
    webhook = Webhook.objects.get()
    assert (webhook.api_user, webhook.events, webhook.url) == (api_user, ["deliver", "click"], receiver.url)

    row.get_by_role("link", name="模拟推送").click()
    page.select_option("select[name=event]", "10")
    page.get_by_role("button", name="发送").click()
    result = page.get_by_test_id("simulation-result")
    assert "接收成功" in result.get_by_test_id("simulation-outcome").inner_text()
    assert result.get_by_test_id("simulation-status").inner_text() == "HTTP 200"
    assert result.get_by_test_id("simulation-reply").inner_text() == "ok"
    post = receiver.posts[-1]
    assert (post.fields["event"], post.fields["apiUser"], post.signature_ok) == ("click", "shop_trigger", True)
    assert post.fields["url"] == "https://www.example.com/"

    # The receiver starts failing: the simulated push shows it.
    receiver.mode = "500"
    page.select_option("select[name=event]", "1")
    page.get_by_role("button", name="发送").click()
    assert page.get_by_test_id("simulation-status").inner_text() == "HTTP 500"
    assert "接收失败" in page.get_by_test_id("simulation-outcome").inner_text()
