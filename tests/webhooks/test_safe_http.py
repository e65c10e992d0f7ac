"""S5: the webhook HTTP client against a real receiver on loopback and a real DNS server."""

import pytest

from webhooks import safe_http
from webhooks.safe_http import InvalidUrl, parse_url, refusal


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("100.64.0.1", "a shared (CGNAT) address"),
        ("100.100.100.200", "a shared (CGNAT) address"),
        ("169.254.169.254", "a link-local address (cloud metadata lives here)"),
        ("0.0.0.0", "a 'this network' address"),
        ("fd00:ec2::254", "a unique local (ULA) address"),
        ("fe80::1", "a link-local address"),
        ("::ffff:127.0.0.1", "an IPv4-mapped address"),
        ("::ffff:8.8.8.8", "an IPv4-mapped address"),
        ("64:ff9b::a00:1", "a NAT64 (IPv4-translated) address"),
        ("2002:7f00:1::", "a 6to4 address"),
        ("224.0.0.1", "a multicast address"),
        ("255.255.255.255", "a reserved address"),
        ("198.18.0.1", "a benchmarking address"),
        ("192.0.2.10", "a documentation address"),
    ],
)
def test_non_public_addresses_are_refused(settings, address, what):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    assert refusal(address) == f"{address} is {what}"


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "203.0.114.1"])
def test_public_addresses_pass(address):
    assert refusal(address) == ""


def test_allowing_loopback_allows_only_loopback(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    assert refusal("127.0.0.1") == ""
    assert refusal("::1") == ""
    assert refusal("::ffff:127.0.0.1") == "::ffff:127.0.0.1 is an IPv4-mapped address"
    assert refusal("10.0.0.1") == "10.0.0.1 is a private address"
    assert refusal("169.254.169.254") != ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the URL is empty"),
        ("ftp://example.com/x", "the URL must start with http:// or https://"),
        ("example.com/hook", "the URL must start with http:// or https://"),
        ("http:///path", "the URL has no host"),
        ("http://user:pw@example.com/", "user names and passwords in the URL are not supported"),
        ("http://example.com:99999/", "the URL's port is not a number from 1 to 65535"),
        ("http://example.com/a b", "the URL contains spaces or control characters"),
        ("http://" + "a" * 64 + ".com/", "the URL's host is not a valid name"),
        ("http://example.com/" + "x" * 1000, "the URL is longer than 1000 characters"),
    ],
)
def test_malformed_urls_are_rejected(url, message):
    with pytest.raises(InvalidUrl) as error:
        parse_url(url)
    assert str(error.value) == message


def test_urls_are_parsed_into_what_is_connected_to():
    assert parse_url("https://Hooks.Example.com/in?x=1#frag") == safe_http.Target("https", "hooks.example.com", 443,
                                                                                  "/in?x=1")
    target = parse_url("http://[::1]:8080")
    assert (target.host, target.port, target.path, target.host_header) == ("::1", 8080, "/", "[::1]:8080")
    assert parse_url("http://bücher.example/").host == "xn--bcher-kva.example"


def test_private_address_is_refused_when_loopback_is_not_allowed(receiver, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    reply = safe_http.request("POST", receiver.url, body=b"a=1", content_type="application/x-www-form-urlencoded")
    assert reply.ok is False
    assert reply.status is None
    assert reply.error == "refused: 127.0.0.1 is a loopback address"
    assert receiver.requests == []


def test_a_name_resolving_to_a_private_address_is_refused(dns_server, loopback_allowed, receiver):
    dns_server.add("private.example.test", "A", "10.20.30.40")
    reply = safe_http.request("GET", f"http://private.example.test:{receiver.port}/hook")
    assert reply.error == "private.example.test refused: 10.20.30.40 is a private address"
    # One private address among public ones is enough to refuse (no picking the "good" one).
    dns_server.add("mixed.example.test", "A", "127.0.0.1")
    dns_server.add("mixed.example.test", "A", "192.168.0.9")
    assert safe_http.request("GET", f"http://mixed.example.test:{receiver.port}/").error == (
        "mixed.example.test refused: 192.168.0.9 is a private address")
    assert receiver.requests == []


def test_a_name_is_resolved_once_and_the_checked_address_is_connected(dns_server, receiver):
    dns_server.add("hooks.example.test", "A", "127.0.0.1")
    reply = safe_http.request("GET", f"http://hooks.example.test:{receiver.port}/in?q=1")
    assert (reply.ok, reply.status, reply.address, reply.body) == (True, 200, "127.0.0.1", b"ok")
    request = receiver.requests[0]
    assert (request.method, request.path) == ("GET", "/in?q=1")
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_an_unresolvable_name_is_reported(dns_server, receiver):
    reply = safe_http.request("GET", "http://nothing-here.example.test/")
    assert reply.error == "cannot resolve nothing-here.example.test: no address records"


def test_redirects_are_not_followed(receiver):
    receiver.mode = "redirect"
    reply = safe_http.request("POST", receiver.url, body=b"a=1", content_type="application/x-www-form-urlencoded")
    assert (reply.ok, reply.status) == (False, 302)
    assert reply.describe() == f"HTTP 302: redirect to http://127.0.0.1:{receiver.port}/elsewhere not followed"
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_at_most_64_kb_of_the_reply_is_read(receiver):
    receiver.mode = "big"
    reply = safe_http.request("GET", receiver.url)
    assert reply.ok is True
    assert len(reply.body) == 65536


def test_a_receiver_that_hangs_is_cut_at_the_deadline(receiver, monkeypatch):
    monkeypatch.setattr(safe_http, "TIMEOUT_SECONDS", 0.5)
    receiver.mode = "hang"
    reply = safe_http.request("POST", receiver.url, body=b"a=1", content_type="application/x-www-form-urlencoded")
    assert reply.ok is False
    assert reply.error == "timed out after 0.5 s (no answer in time)"
    assert len(receiver.requests) == 1


def test_only_200_counts(receiver):
    receiver.mode = "500"
    reply = safe_http.request("GET", receiver.url)
    assert (reply.ok, reply.status, reply.describe(), reply.body) == (False, 500, "HTTP 500", b"error 500")


def test_nothing_listening_is_a_connection_error(loopback_allowed):
    from tests.support.dns import unused_port

    port = unused_port()
    reply = safe_http.request("GET", f"http://127.0.0.1:{port}/")
    assert reply.error == f"cannot connect to 127.0.0.1 port {port}: Connection refused"


def test_localhost_is_loopback_without_asking_dns(settings, receiver):
    settings.DNS_NAMESERVERS = []
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    assert safe_http.request("GET", f"http://localhost:{receiver.port}/").error == (
        "localhost refused: 127.0.0.1 is a loopback address")
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    assert safe_http.request("GET", f"http://localhost:{receiver.port}/").ok is True


@pytest.fixture
def tls_receiver(tmp_path, dns_server, loopback_allowed):
    from tests.support.smtp_sink import self_signed_context
    from tests.webhooks.receiver import Receiver

    context = self_signed_context(tmp_path, hostname="secure.example.test")
    dns_server.add("secure.example.test", "A", "127.0.0.1")
    server = Receiver(tls_context=context).start()
    yield server, tmp_path / "sink.crt"
    server.stop()


def test_https_checks_the_certificate(tls_receiver):
    server, _ca = tls_receiver
    reply = safe_http.request("GET", f"https://secure.example.test:{server.port}/hook")
    assert reply.ok is False
    assert reply.error.startswith("TLS error: CERTIFICATE_VERIFY_FAILED")


def test_https_to_a_trusted_certificate_with_the_name_in_sni(tls_receiver, monkeypatch):
    import ssl

    server, ca = tls_receiver
    monkeypatch.setattr(safe_http, "tls_context", lambda: ssl.create_default_context(cafile=str(ca)))
    reply = safe_http.request("POST", f"https://secure.example.test:{server.port}/hook", body=b"a=1",
                              content_type="application/x-www-form-urlencoded")
    assert (reply.ok, reply.status, reply.address, reply.body) == (True, 200, "127.0.0.1", b"ok")
    assert server.requests[0].headers["Host"] == f"secure.example.test:{server.port}"
    assert server.requests[0].fields == {"a": "1"}
    # The certificate names secure.example.test, not the address that was connected to.
    assert safe_http.request("GET", f"https://127.0.0.1:{server.port}/hook").error.startswith(
        "TLS error: CERTIFICATE_VERIFY_FAILED")
