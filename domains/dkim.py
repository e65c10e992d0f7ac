"""DKIM key pairs of sending domains: generation, the published public key, the stored private key."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from domains import crypto

DEFAULT_KEY_BITS = 2048


@dataclass(frozen=True)
class GeneratedKey:
    selector: str
    public_key: str  # base64 of the DER SubjectPublicKeyInfo: the p= tag of the DKIM record
    private_key_encrypted: str  # Fernet token of the PKCS#8 PEM


def new_selector() -> str:
    """``s<yyyymm>`` of the month the key is made (a later rotation gets a new selector)."""
    return timezone.localtime().strftime("s%Y%m")


def generate(*, bits: int = DEFAULT_KEY_BITS) -> GeneratedKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return GeneratedKey(
        selector=new_selector(),
        public_key=base64.b64encode(public_der).decode("ascii"),
        private_key_encrypted=crypto.encrypt(private_pem),
    )


def private_key_pem(encrypted: str) -> bytes:
    """The PEM private key from its stored form (raises ``crypto.KeyUnavailable``)."""
    return crypto.decrypt(encrypted)
