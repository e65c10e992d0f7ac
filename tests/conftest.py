"""Shared fixtures.  Tests run on PostgreSQL and Redis (bin/test sets DATABASE_URL and REDIS_URL)."""

import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from tests
# beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

from tests.factories import AccountFactory  # noqa: E402

pytest_plugins = ["tests.browser.fixtures", "tests.support.dns"]


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


@pytest.fixture(autouse=True)
def empty_cache():
    """Counters kept in the shared cache (e.g. /apiv2/ failed-authentication lock-outs) start empty."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_user(account):
    from tests.factories import ApiUserFactory

    return ApiUserFactory(account=account)


@pytest.fixture
def api_client(client, api_user):
    """Calls ``/apiv2/<path>`` with the api_user's credentials and returns the decoded envelope."""
    from tests.factories import api_key_for

    def call(path: str, data: dict | None = None, method: str = "post", **extra):
        payload = {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name), **(data or {})}
        response = getattr(client, method)(f"/apiv2/{path}", payload, **extra)
        assert response.status_code == 200, response.content
        return response.json()

    return call
