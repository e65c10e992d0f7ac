"""API_KEY generation, hashing and checking (targets S7: >= 128 bits, shown once, stored hashed,
compared in constant time, never logged)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from apiusers.models import ApiUser

KEY_BYTES = 24  # 192 bits of randomness


def new_api_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_matches(api_user: ApiUser, api_key: str, *, now=None) -> bool:
    offered = hash_api_key(api_key)
    if hmac.compare_digest(offered, api_user.key_hash):
        return True
    now = now or timezone.now()
    return bool(
        api_user.previous_key_hash
        and api_user.previous_key_expires_at
        and now < api_user.previous_key_expires_at
        and hmac.compare_digest(offered, api_user.previous_key_hash)
    )


def authenticate(*, api_user: str, api_key: str, client_ip: str = "") -> ApiUser | None:
    """The API_USER named ``api_user`` if ``api_key`` is its current (or still-valid previous) key."""
    candidate = ApiUser.objects.select_related("account", "domain").filter(name=api_user).first()
    if candidate is None or not candidate.account.is_active:
        hash_api_key(api_key)  # same work either way
        return None
    return candidate if key_matches(candidate, api_key) else None
