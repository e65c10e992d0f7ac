"""Validation of an uploaded HTTPS certificate for a tracking domain (with ``cryptography``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, NameOID
from django.utils.translation import gettext as _


class CertificateError(Exception):
    """An upload that cannot be used; the message says why, in words a person understands."""


@dataclass(frozen=True)
class ValidCertificate:
    certificate_pem: str  # the chain as uploaded (leaf first), normalised to PEM
    private_key_pem: bytes  # PKCS#8, unencrypted (stored encrypted by the caller)
    not_before: dt.datetime
    not_after: dt.datetime


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _names(certificate: x509.Certificate) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        return [name.lower() for name in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        # Only without subjectAltName is the common name consulted (RFC 6125 §6.4.4).
        return [
            attr.value.lower() for attr in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        ]


def hostname_matches(pattern: str, hostname: str) -> bool:
    """RFC 6125 matching: exact, or a wildcard ``*.`` standing for exactly one left-most label."""
    pattern, hostname = pattern.rstrip(".").lower(), hostname.rstrip(".").lower()
    if pattern == hostname:
        return True
    if pattern.startswith("*.") and pattern.count(".") >= 2:
        label, _sep, rest = hostname.partition(".")
        return bool(label) and rest == pattern[2:]
    return False


def validate(
    *, hostname: str, certificate_pem: str, private_key_pem: str, now: dt.datetime
) -> ValidCertificate:
    try:
        chain = x509.load_pem_x509_certificates(certificate_pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CertificateError(
            _("The certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----).")
        ) from None
    try:
        key = serialization.load_pem_private_key(private_key_pem.strip().encode("ascii"), password=None)
    except TypeError:
        raise CertificateError(
            _("The private key is protected by a password; upload it without one.")
        ) from None
    except (ValueError, UnicodeEncodeError):
        raise CertificateError(
            _("The private key is not a PEM private key (-----BEGIN PRIVATE KEY-----).")
        ) from None
    leaf = chain[0]
    if _public_der(key.public_key()) != _public_der(leaf.public_key()):
        raise CertificateError(_("The private key does not belong to the certificate."))
    names = _names(leaf)
    if not any(hostname_matches(name, hostname) for name in names):
        raise CertificateError(
            _("The certificate is for %(names)s, not for %(hostname)s.")
            % {"names": ", ".join(names) or "-", "hostname": hostname}
        )
    if now < leaf.not_valid_before_utc:
        raise CertificateError(_("The certificate is not valid yet."))
    if now > leaf.not_valid_after_utc:
        raise CertificateError(_("The certificate has expired."))
    return ValidCertificate(
        certificate_pem="".join(
            cert.public_bytes(serialization.Encoding.PEM).decode("ascii") for cert in chain
        ),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
    )
