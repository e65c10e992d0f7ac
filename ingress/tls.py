"""The SMTP ingress certificate: the operator's (SMTP_TLS_CERT / SMTP_TLS_KEY) or a self-signed one
generated once into ``VAR_DIR/smtp-tls/`` so STARTTLS and port 465 work before any certificate exists.

Clients negotiate TLS 1.2 or newer (targets S1).  The generated key is ECDSA P-256: a handshake costs a
fraction of an RSA-2048 one, which matters when every message arrives on a new connection.
"""

from __future__ import annotations

import datetime
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

SELF_SIGNED_DAYS = 825
RENEW_BEFORE = datetime.timedelta(days=30)


def certificate_paths() -> tuple[Path, Path]:
    """The configured certificate and key, else the self-signed pair (created or renewed when needed)."""
    if settings.SMTP_TLS_CERT and settings.SMTP_TLS_KEY:
        return Path(settings.SMTP_TLS_CERT), Path(settings.SMTP_TLS_KEY)
    return ensure_self_signed(directory=Path(settings.VAR_DIR) / "smtp-tls", hostname=settings.SMTP_HOSTNAME)


def ensure_self_signed(*, directory: Path, hostname: str) -> tuple[Path, Path]:
    """``cert.pem`` and ``key.pem`` in ``directory``, generated unless a pair for ``hostname`` is still valid."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists() and _still_good(cert_path, hostname):
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key is written readable by the owner only, and replaced atomically with its certificate.
    temporary_key = key_path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    temporary_cert = cert_path.with_suffix(f".{os.getpid()}.tmp")
    temporary_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(temporary_key, key_path)
    os.replace(temporary_cert, cert_path)
    return cert_path, key_path


def _still_good(cert_path: Path, hostname: str) -> bool:
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return False
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    expires = certificate.not_valid_after_utc
    return bool(names) and names[0].value == hostname and expires - RENEW_BEFORE > datetime.datetime.now(datetime.UTC)


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """TLS 1.2+ server context; clients are not asked for certificates."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
