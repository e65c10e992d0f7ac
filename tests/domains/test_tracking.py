"""Tracking domains: limit, CNAME verification, HTTPS certificate upload (console and services)."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from domains import crypto, services
from domains.models import TrackingDomain
from domains.rules import DomainError
from sendcloud.config import HostPort
from tests.support.dns import unused_port

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC)


def make_certificate(names, *, key=None, not_before=None, not_after=None, common_name=None, san=True):
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name or names[0])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=90))
    )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    certificate = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


@pytest.fixture
def tracking(account):
    return services.add_tracking_domain(account=account, name="t.example.test")


def test_at_most_five_tracking_domains(account):
    for number in range(5):
        services.add_tracking_domain(account=account, name=f"t{number}.example.test")
    with pytest.raises(DomainError) as refused:
        services.add_tracking_domain(account=account, name="t5.example.test")
    assert (refused.value.code, refused.value.message) == (
        41012,
        "An account can have at most 5 tracking domains.",
    )
    assert TrackingDomain.objects.filter(account=account).count() == 5


def test_tracking_names_follow_the_domain_rules(account):
    for name in ("t_x.example.test", "中文.example.test", "track.sendcloud.localhost", "ifaxin.example.test"):
        with pytest.raises(DomainError):
            services.add_tracking_domain(account=account, name=name)
    assert TrackingDomain.objects.count() == 0


def test_cname_verification(tracking, dns_server, settings):
    tracking = services.check_tracking_domain(tracking_domain=tracking)
    assert tracking.verified is False
    assert tracking.check_result == {"state": "fail", "found": [], "problem": "no_record", "error": ""}

    dns_server.add("t.example.test", "CNAME", "elsewhere.example.test")
    tracking = services.check_tracking_domain(tracking_domain=tracking)
    assert tracking.check_result == {
        "state": "fail",
        "found": ["elsewhere.example.test"],
        "problem": "wrong_cname",
        "error": "",
    }

    dns_server.delete("t.example.test")
    dns_server.add("t.example.test", "CNAME", "hop.example.test")
    dns_server.add("hop.example.test", "CNAME", "track.sendcloud.localhost")
    tracking = services.check_tracking_domain(tracking_domain=tracking)
    assert tracking.verified is True
    assert tracking.check_result["found"] == ["hop.example.test", "track.sendcloud.localhost"]

    settings.DNS_LIFETIME = 1.0
    settings.DNS_NAMESERVERS = [HostPort("127.0.0.1", unused_port())]
    tracking = services.check_tracking_domain(tracking_domain=tracking)
    assert tracking.check_result["state"] == "unknown"
    assert tracking.verified is True  # could not check: the previous verdict stands


def test_valid_certificate_is_stored_with_an_encrypted_key(tracking):
    certificate, key = make_certificate(["t.example.test"])
    tracking = services.upload_certificate(
        tracking_domain=tracking, certificate_pem=certificate, private_key_pem=key
    )
    tracking.refresh_from_db()
    assert tracking.https is True
    assert tracking.certificate_pem == certificate
    assert "PRIVATE KEY" not in tracking.private_key_encrypted
    assert crypto.decrypt(tracking.private_key_encrypted).decode() == key
    assert services.tracking_certificate(tracking_domain=tracking) == (certificate, key.encode())
    assert tracking.certificate_not_after is not None


def test_wildcard_certificates_match_one_label(tracking):
    certificate, key = make_certificate(["*.example.test"])
    services.upload_certificate(tracking_domain=tracking, certificate_pem=certificate, private_key_pem=key)
    deep = services.add_tracking_domain(account=tracking.account, name="a.b.example.test")
    with pytest.raises(DomainError):
        services.upload_certificate(tracking_domain=deep, certificate_pem=certificate, private_key_pem=key)


def test_certificate_without_san_falls_back_to_the_common_name(tracking):
    certificate, key = make_certificate(["t.example.test"], san=False)
    assert services.upload_certificate(
        tracking_domain=tracking, certificate_pem=certificate, private_key_pem=key
    ).https


def _refusal(tracking, certificate, key):
    with pytest.raises(DomainError) as refused:
        services.upload_certificate(
            tracking_domain=tracking, certificate_pem=certificate, private_key_pem=key
        )
    tracking.refresh_from_db()
    assert tracking.certificate_pem == "" and tracking.private_key_encrypted == ""
    return refused.value.message


def test_certificate_refusals(tracking):
    certificate, key = make_certificate(["t.example.test"])
    _other_certificate, other_key = make_certificate(["t.example.test"])
    assert _refusal(tracking, certificate, other_key) == "The private key does not belong to the certificate."
    wrong_certificate, wrong_key = make_certificate(["www.example.test", "example.test"])
    assert _refusal(tracking, wrong_certificate, wrong_key) == (
        "The certificate is for www.example.test, example.test, not for t.example.test."
    )
    expired, expired_key = make_certificate(
        ["t.example.test"], not_before=NOW - dt.timedelta(days=100), not_after=NOW - dt.timedelta(days=1)
    )
    assert _refusal(tracking, expired, expired_key) == "The certificate has expired."
    future, future_key = make_certificate(
        ["t.example.test"], not_before=NOW + dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=100)
    )
    assert _refusal(tracking, future, future_key) == "The certificate is not valid yet."
    assert (
        _refusal(tracking, "hello", key)
        == "The certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)."
    )
    assert _refusal(tracking, certificate, "nope") == (
        "The private key is not a PEM private key (-----BEGIN PRIVATE KEY-----)."
    )
    encrypted = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
        .decode()
    )
    assert _refusal(tracking, certificate, encrypted) == (
        "The private key is protected by a password; upload it without one."
    )


def test_console_tracking_pages(client, account, other_account, dns_server):
    client.force_login(account)
    page = client.get("/console/tracking/").content.decode()
    assert "track.sendcloud.localhost" in page
    assert 'data-testid="no-tracking-domains"' in page

    response = client.post("/console/tracking/add/", {"name": "bad_name.example.test"})
    assert response.status_code == 400
    assert "is not a domain name" in response.content.decode()
    assert TrackingDomain.objects.count() == 0

    dns_server.add("t.example.test", "CNAME", "track.sendcloud.localhost")
    response = client.post("/console/tracking/add/", {"name": "t.example.test"})
    tracking = TrackingDomain.objects.get(name="t.example.test")
    assert response.status_code == 302
    assert response["Location"] == f"/console/tracking/{tracking.pk}/"
    assert tracking.verified is True  # checked right after adding

    certificate, key = make_certificate(["t.example.test"])
    response = client.post(
        f"/console/tracking/{tracking.pk}/certificate/", {"certificate": certificate, "private_key": "x"}
    )
    assert response.status_code == 400
    assert "not a PEM private key" in response.content.decode()
    response = client.post(
        f"/console/tracking/{tracking.pk}/certificate/", {"certificate": certificate, "private_key": key}
    )
    assert response.status_code == 302
    assert 'data-testid="certificate"' in client.get(f"/console/tracking/{tracking.pk}/").content.decode()

    client.force_login(other_account)
    assert client.get(f"/console/tracking/{tracking.pk}/").status_code == 404
    assert client.post(f"/console/tracking/{tracking.pk}/check/").status_code == 404
    assert client.post(f"/console/tracking/{tracking.pk}/delete/").status_code == 404
    assert client.post(f"/console/tracking/{tracking.pk}/certificate/remove/").status_code == 404
    assert TrackingDomain.objects.get(pk=tracking.pk).https is True

    client.force_login(account)
    client.post(f"/console/tracking/{tracking.pk}/certificate/remove/")
    assert TrackingDomain.objects.get(pk=tracking.pk).https is False
    client.post(f"/console/tracking/{tracking.pk}/delete/")
    assert not TrackingDomain.objects.filter(pk=tracking.pk).exists()
