"""Shared fixtures.  Tests run on PostgreSQL and Redis (bin/test sets DATABASE_URL and REDIS_URL)."""

import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from tests
# beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

from tests.factories import AccountFactory  # noqa: E402

pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def other_account(db):
    return AccountFactory()


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Pages render in English unless a test sends another Accept-Language (production default: zh-hans)."""
    settings.LANGUAGE_CODE = "en"
