"""Per-email envelope sender ``bounce+<token>@<platform>``: an asynchronous bounce (DSN) sent to it
names its email, and the HMAC makes the token impossible to forge for another email."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

_TAG_LENGTH = 12


def _tag(email_pk: int) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"bounce:{email_pk}".encode(), hashlib.sha256).hexdigest()[:_TAG_LENGTH]


def envelope_sender(email_pk: int) -> str:
    return f"bounce+{email_pk:x}-{_tag(email_pk)}@{settings.PLATFORM_DOMAIN}"


def email_pk_from(address: str) -> int | None:
    """The email a bounce address names, or None when it is not one of ours or was tampered with."""
    local, _, domain = address.lower().rpartition("@")
    if domain != settings.PLATFORM_DOMAIN or not local.startswith("bounce+"):
        return None
    token = local[len("bounce+") :]
    number, _, tag = token.partition("-")
    try:
        email_pk = int(number, 16)
    except ValueError:
        return None
    return email_pk if hmac.compare_digest(tag, _tag(email_pk)) else None
