"""Keys kept in the database (DKIM private keys, tracking-domain TLS keys) are stored as Fernet tokens
under a key derived from SECRET_KEY with HKDF, so a database dump alone does not reveal them.

Changing SECRET_KEY makes the stored keys unreadable (``KeyUnavailable``): DKIM keys then have to be
regenerated and republished, certificates uploaded again.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"sendcloud-selfhosted/domains/stored-private-keys/v1"


class KeyUnavailable(Exception):
    """A stored key that cannot be decrypted (SECRET_KEY changed, or the value was tampered with)."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: bytes) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise KeyUnavailable("the stored key cannot be decrypted with this SECRET_KEY") from None
