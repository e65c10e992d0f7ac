"""Console page 设置选项 (/console/settings/): the account's switches (accounts.views_console)."""

import re

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, account):
    client.force_login(account)
    return client


def checked(page: str, name: str) -> bool:
    tag = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page).group(0)
    return " checked" in tag


def test_settings_show_the_current_switches(console, account):
    page = console.get("/console/settings/").content.decode()
    assert "<h1>Settings options</h1>" in page
    assert checked(page, "mask_recipients") is True
    assert checked(page, "templates_need_review") is False
    assert "Mask recipient addresses" in page and "Templates need review" in page


def test_saving_changes_both_switches_and_says_so(console, account, other_account):
    response = console.post("/console/settings/", {"templates_need_review": "on"}, follow=True)
    assert response.redirect_chain == [("/console/settings/", 302)]
    page = response.content.decode()
    assert '<li class="success">Settings saved.</li>' in page
    assert checked(page, "mask_recipients") is False
    assert checked(page, "templates_need_review") is True
    account.refresh_from_db()
    assert (account.mask_recipients, account.templates_need_review) == (False, True)
    other_account.refresh_from_db()
    assert (other_account.mask_recipients, other_account.templates_need_review) == (True, False)

    console.post("/console/settings/", {"mask_recipients": "on"})
    assert User.objects.filter(pk=account.pk, mask_recipients=True, templates_need_review=False).exists()


def test_settings_page_in_chinese(console):
    response = console.post("/console/settings/", {"mask_recipients": "on"}, follow=True,
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert "<h1>设置选项</h1>" in page
    assert "保存成功" in page
    assert "收件人地址脱敏显示" in page and "模板需要审核" in page
