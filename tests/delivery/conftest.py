import pytest

from sendcloud.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def empty_delivery_queue():
    """Jobs enqueued by tests go to the real Redis broker; no worker runs them, so drop them."""
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture(autouse=True)
def fresh_routes():
    from delivery import routing

    routing.clear_cache()
    yield
    routing.clear_cache()


@pytest.fixture
def smtp_sink(settings, dns_server):
    """A sink on 127.0.0.1 that is the MX of rcpt.example.test; delivery goes to its port."""
    from tests.support.dns import unused_port
    from tests.support.smtp_sink import Sink

    port = unused_port()
    sink = Sink("127.0.0.1", port).start()
    settings.DELIVERY_PORT = port
    settings.DELIVERY_SANDBOX = False
    settings.DELIVERY_TIMEOUT_SECONDS = 10
    dns_server.add("rcpt.example.test", "MX", "10 mx1.rcpt.example.test")
    dns_server.add("mx1.rcpt.example.test", "A", "127.0.0.1")
    yield sink
    sink.stop()


@pytest.fixture
def signing_domain(api_user, dns_server):
    """The api_user's domain with a DKIM key, its public key published in the test DNS server."""
    from domains import dkim

    key = dkim.generate()
    domain = api_user.domain
    domain.dkim_selector, domain.dkim_public_key = key.selector, key.public_key
    domain.dkim_private_key_encrypted = key.private_key_encrypted
    domain.save()
    dns_server.add(f"{key.selector}._domainkey.{domain.name}", "TXT", f"v=DKIM1; k=rsa; p={key.public_key}")
    return domain
