"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server, transactional_db):
    """A page factory: ``browser_page(locale)`` opens a fresh context whose Accept-Language is locale."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = chromium.new_context(locale=locale, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, account, password: str | None = None) -> None:
    """Log ``account`` in through the real login page and wait for the console."""
    from tests.factories import DEFAULT_PASSWORD

    page.goto("/accounts/login/")
    page.fill("input[name=username]", account.email)
    page.fill("input[name=password]", password or DEFAULT_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url("**/console/")
