"""DKIM signing (RSA-SHA256, relaxed/relaxed) with dkimpy, its RSA step done by OpenSSL.

dkimpy canonicalises and hashes; its own pure-Python RSA signs only ~134 messages/s per core
(targets.md), so the one primitive it calls for the signature, ``RSASSA_PKCS1_v1_5_sign``, is
replaced by OpenSSL through ``cryptography`` for keys this module has loaded.  The result is
byte-identical (PKCS#1 v1.5 is deterministic), and verification stays entirely dkimpy's.
"""

from __future__ import annotations

import functools

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

SIGNED_HEADERS = [
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"reply-to", b"mime-version",
    b"content-type", b"content-transfer-encoding", b"list-unsubscribe", b"list-unsubscribe-post",
]

_pure_python_sign = dkim.crypto.RSASSA_PKCS1_v1_5_sign
_openssl_keys: dict[int, rsa.RSAPrivateKey] = {}  # modulus -> key


def _sign_with_openssl(hash_object, private_key: dict) -> bytes:
    key = _openssl_keys.get(private_key["modulus"])
    if key is None or hash_object.name != "sha256":
        return _pure_python_sign(hash_object, private_key)
    return key.sign(hash_object.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))


dkim.RSASSA_PKCS1_v1_5_sign = _sign_with_openssl


@functools.lru_cache(maxsize=1024)
def _load(private_key_pem: bytes) -> None:
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    _openssl_keys[key.private_numbers().public_numbers.n] = key


def signature_header(message: bytes, *, domain: str, selector: str, private_key_pem: bytes) -> bytes:
    """The ``DKIM-Signature: ...\\r\\n`` header line to put in front of ``message``."""
    _load(private_key_pem)
    present = {line.split(b":", 1)[0].strip().lower() for line in _header_lines(message)}
    include = [name for name in SIGNED_HEADERS if name in present]
    return dkim.sign(
        message,
        selector.encode(),
        domain.encode(),
        private_key_pem,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=include,
    )


def sign(message: bytes, *, domain: str, selector: str, private_key_pem: bytes) -> bytes:
    return signature_header(message, domain=domain, selector=selector, private_key_pem=private_key_pem) + message


def _header_lines(message: bytes) -> list[bytes]:
    head = message.split(b"\r\n\r\n", 1)[0]
    return [line for line in head.split(b"\r\n") if line and not line[:1].isspace()]
