"""Register, activate (reading the activation mail) and log in through the real pages, in both languages."""

import re

import pytest

from accounts.models import User

pytestmark = pytest.mark.browser

TEXTS = {
    "en-US": {"register": "Register", "login": "Log in", "welcome": "Welcome", "domains": "Domains"},
    "zh-CN": {"register": "注册", "login": "登录", "welcome": "欢迎", "domains": "域名"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_register_activate_and_log_in(browser_page, mailoutbox, locale):
    texts = TEXTS[locale]
    email = f"new-{locale.lower()}@example.com"
    page = browser_page(locale)

    page.goto("/accounts/register/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "S3cure-pass!")
    page.fill("input[name=password_again]", "S3cure-pass!")
    page.get_by_role("button", name=texts["register"], exact=True).click()
    assert page.get_by_test_id("register-done").is_visible()
    assert email in page.get_by_test_id("register-done").inner_text()

    # Before activation the login page says why the account cannot log in.
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "S3cure-pass!")
    page.locator("form.card button[type=submit]").click()
    message = {"en-US": "not activated yet", "zh-CN": "尚未激活"}[locale]
    assert message in page.locator(".errorlist").inner_text()

    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+/accounts/activate/\S+/", mailoutbox[0].body).group(0)
    page.goto(link[link.index("/accounts/") :])
    assert page.get_by_test_id("activated").is_visible()
    assert User.objects.get(email=email).is_active is True

    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "S3cure-pass!")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == texts["welcome"]
    assert page.get_by_test_id("whoami").inner_text() == email
    assert page.locator("nav.sidebar").get_by_role("link", name=texts["domains"]).is_visible()


def test_language_switch_changes_the_console_language(browser_page, account):
    page = browser_page("en-US")
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"
    page.locator("button[data-language=zh-hans]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "登录"
    page.locator("button[data-language=en]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Log in"
