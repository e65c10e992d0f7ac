"""An in-process SMTP ingress on free loopback ports (one STARTTLS and one implicit-TLS listener), and
smtplib clients for it.  The delivery fixtures are re-exported so accepted mail can be delivered."""

import smtplib
import ssl

import pytest

from tests.delivery.conftest import empty_delivery_queue, fresh_routes, signing_domain, smtp_sink  # noqa: F401
from tests.factories import api_key_for

HOSTNAME = "smtp.ingress.test"


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    from ingress import tls

    return tls.ensure_self_signed(directory=tmp_path_factory.mktemp("smtp-tls"), hostname=HOSTNAME)


@pytest.fixture
def client_context(tls_files):
    """Trusts the ingress's self-signed certificate (connections go to 127.0.0.1, not its name)."""
    context = ssl.create_default_context(cafile=str(tls_files[0]))
    context.check_hostname = False
    return context


@pytest.fixture
def start_ingress(tls_files):
    """start_ingress(**overrides) -> a running ThreadedIngress; all are stopped at the end of the test."""
    from ingress import tls
    from ingress.server import IngressServer, Listener, ThreadedIngress

    started = []

    def start(**overrides):
        options = {
            "listeners": [Listener("127.0.0.1", 0), Listener("127.0.0.1", 0, implicit_tls=True)],
            "tls_context": tls.server_context(*tls_files),
            "hostname": HOSTNAME,
            "max_message_size": 16_000_000,
            "timeout": 30,
            "failure_delay": 0.01,
            "threads": 4,
            **overrides,
        }
        ingress = ThreadedIngress(IngressServer(**options)).start()
        started.append(ingress)
        return ingress

    yield start
    for ingress in started:
        ingress.stop()


@pytest.fixture
def ingress(start_ingress):
    return start_ingress()


@pytest.fixture
def connect(ingress, client_context):
    """connect(tls=True) -> smtplib.SMTP on the STARTTLS listener, after STARTTLS (unless tls=False)."""
    opened = []

    def open_client(*, tls: bool = True, server=None) -> smtplib.SMTP:
        target = server or ingress
        client = smtplib.SMTP("127.0.0.1", target.port(), timeout=30)
        opened.append(client)
        client.ehlo("client.example.test")
        if tls:
            client.starttls(context=client_context)
            client.ehlo("client.example.test")
        return client

    yield open_client
    for client in opened:
        try:
            client.close()
        except OSError:
            pass


@pytest.fixture
def credentials(api_user):
    return api_user.name, api_key_for(api_user.name)


@pytest.fixture
def logged_in(connect, credentials):
    """logged_in() -> a client after STARTTLS and AUTH (PLAIN, as smtplib prefers it)."""

    def open_client(**kwargs) -> smtplib.SMTP:
        client = connect(**kwargs)
        client.login(*credentials)
        return client

    return open_client
