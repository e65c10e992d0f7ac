"""DKIM keys: one per domain, private key encrypted at rest, usable by the delivery engine."""

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection

from domains import crypto, services
from domains.models import Domain
from sendcloud import resolver
from tests.domains.helpers import publish
from tests.factories import DomainFactory

pytestmark = pytest.mark.django_db


def test_each_domain_gets_its_own_rsa_2048_key(account):
    first = services.add_domain(account=account, name="a.example.test")
    second = services.add_domain(account=account, name="b.example.test")
    assert first.dkim_public_key != second.dkim_public_key
    key = services.dkim_signing_key(domain=first)
    private = serialization.load_pem_private_key(key.private_key_pem, password=None)
    assert private.key_size == 2048
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert base64.b64encode(public_der).decode() == first.dkim_public_key
    assert (key.domain, key.selector) == ("a.example.test", first.dkim_selector)


def test_the_test_domain_has_a_key(account):
    domain = services.create_test_domain(account=account)
    assert domain.is_test and domain.status == "verified" and domain.can_send
    assert domain.dkim_selector and domain.dkim_public_key
    assert services.dkim_signing_key(domain=domain).private_key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_a_database_dump_does_not_reveal_the_private_key(account):
    domain = services.add_domain(account=account, name="a.example.test")
    pem = services.dkim_signing_key(domain=domain).private_key_pem
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM domains_domain WHERE id = %s", [domain.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "PRIVATE KEY" not in row
    body = b"".join(pem.splitlines()[1:-1]).decode()
    assert body[:40] not in row
    assert domain.dkim_private_key_encrypted.startswith("gAAAAA")  # a Fernet token


def test_another_secret_key_cannot_decrypt(account, settings):
    domain = services.add_domain(account=account, name="a.example.test")
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-0123456789"
    with pytest.raises(crypto.KeyUnavailable):
        services.dkim_signing_key(domain=domain)


def test_domains_made_without_a_key_get_one_when_first_needed(account):
    domain = DomainFactory(account=account)
    assert domain.dkim_private_key_encrypted == ""
    key = services.dkim_signing_key(domain=domain)
    stored = Domain.objects.get(pk=domain.pk)
    assert stored.dkim_selector == key.selector and stored.dkim_public_key
    assert services.dkim_signing_key(domain=stored).private_key_pem == key.private_key_pem


def test_mail_signed_with_the_key_verifies_against_the_published_record(account, dns_server):
    domain = services.add_domain(account=account, name="mail.example.test")
    publish(dns_server, domain, keys=("dkim",))
    key = services.dkim_signing_key(domain=domain)
    message = (
        b"From: Sender <news@mail.example.test>\r\nTo: someone@rcpt.example.test\r\n"
        b"Subject: hello\r\n\r\nHello there.\r\n"
    )
    signature = dkim.sign(message, key.selector.encode(), b"mail.example.test", key.private_key_pem)

    def dnsfunc(name, timeout=5):
        return "".join(resolver.txt(name.decode().rstrip("."))).encode()

    assert dkim.verify(signature + message, dnsfunc=dnsfunc) is True
