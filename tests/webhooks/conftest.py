import pytest

from tests.delivery.conftest import empty_delivery_queue, fresh_routes, signing_domain, smtp_sink  # noqa: F401
from tests.webhooks.receiver import Receiver


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver(account, loopback_allowed):
    """A receiver on 127.0.0.1 that checks signatures with the account's APP KEY."""
    server = Receiver(app_key=account.app_key).start()
    yield server
    server.stop()


@pytest.fixture
def make_webhook(account):
    from webhooks import services

    def make(url: str, *, category_name: str = "all", events=None, owner=None):
        from webhooks import vocabulary

        return services.create_webhook(account=owner or account, url=url, category_name=category_name,
                                       events=list(events or vocabulary.EMAIL_EVENT_NAMES))

    return make
