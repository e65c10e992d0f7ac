"""Signed tokens in tracking links (targets.md S6: click tracking is not an open redirect).

A token is ``<body>.<signature>``: the body says which email (and, for a click, which link and its
original URL); the signature is an HMAC-SHA256 of the body under a key derived from SECRET_KEY and a
per-kind salt, truncated to 128 bits.  Nothing is looked up to decide whether a token is genuine, so
a tampered token (or one made for another kind of link) is rejected before any database access.

Open and unsubscribe tokens use only ``[0-9a-z.]`` (base36 email id, base32 signature) and are read
case-insensitively: the unsubscribe token also travels as the local part of a ``mailto:`` address,
which mail servers may lower-case.  Click tokens carry the URL as URL-safe base64 of UTF-8 JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import lru_cache

from django.conf import settings

OPEN = "open"
CLICK = "click"
UNSUBSCRIBE = "unsubscribe"
_SIGNATURE_BYTES = 16
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=32)
def _key(kind: str, secret: str) -> bytes:
    # Django's salted_hmac construction (key = SHA-256(salt + secret)), derived once per kind and
    # secret instead of once per link: an email can carry dozens of links.
    return hashlib.sha256(f"tracking.{kind}{secret}".encode()).digest()


def _signature(kind: str, body: str, secret: str | None = None) -> str:
    key = _key(kind, secret if secret is not None else settings.SECRET_KEY)
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def _valid(kind: str, body: str, signature: str) -> bool:
    if not (body.isascii() and signature.isascii()):
        return False
    # Links already in mailboxes keep working after SECRET_KEY is rotated into SECRET_KEY_FALLBACKS.
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if hmac.compare_digest(_signature(kind, body, secret), signature.lower()):
            return True
    return False


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
        if number == 0:
            return digits


def _split(token: str) -> tuple[str, str] | None:
    body, dot, signature = token.rpartition(".")
    if not dot or not body or len(signature) != 26:
        return None
    return body, signature


def email_token(kind: str, email_pk: int) -> str:
    """The token of an open or unsubscribe link of one email."""
    body = _base36(email_pk)
    return f"{body}.{_signature(kind, body)}"


def read_email_token(kind: str, token: str) -> int | None:
    """The email id in a genuine ``kind`` token, else None."""
    parts = _split(token.strip().lower())
    if parts is None:
        return None
    body, signature = parts
    if len(body) > 13 or not all(ch in _BASE36 for ch in body) or not _valid(kind, body, signature):
        return None
    return int(body, 36)


def click_token(email_pk: int, index: int, url: str) -> str:
    """The token of link number ``index`` (0-based) of one email, carrying its original URL."""
    data = json.dumps([email_pk, index, url], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    body = base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    return f"{body}.{_signature(CLICK, body)}"


def read_click_token(token: str) -> tuple[int, int, str] | None:
    """(email id, link index, original URL) from a genuine click token, else None."""
    parts = _split(token.strip())
    if parts is None:
        return None
    body, signature = parts
    if not _valid(CLICK, body, signature):
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in value[:2])
        or not isinstance(value[2], str)
    ):
        return None
    return value[0], value[1], value[2]
