"""API_KEY generation, hashing and checking (targets S7: >= 128 bits, shown once, stored hashed,
compared in constant time, never logged), and the brute-force lock-out of /apiv2/ authentication
(target S8).

The lock-out counts failed attempts per client IP and per API_USER name in the shared cache
(Redis in production and tests).  After ``FAILURE_LIMIT`` failures within ``FAILURE_WINDOW`` the
IP or name is refused with 40005 and a "too many failed attempts" message, without the key being
looked at, until ``FAILURE_WINDOW`` has passed since the lock started.  A success does not reset
the counters: otherwise an attacker guessing one API_USER's key would be un-blocked by every
legitimate request of that API_USER.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apiusers.models import ApiUser
from sendcloud.apiv2.errors import ApiError

KEY_BYTES = 24  # 192 bits of randomness
# After "regenerate", the previous API_KEY keeps working this long (SendCloud: 15 minutes).
PREVIOUS_KEY_GRACE = timedelta(minutes=15)

FAILURE_LIMIT = 20  # failed attempts per IP or per API_USER name ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... within this window lock that IP or name out for this long
AUTH_FAILED = 40005


def new_api_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return timezone.now()


@sensitive_variables("api_key")
def key_matches(api_user: ApiUser, api_key: str, *, now: datetime | None = None) -> bool:
    offered = hash_api_key(api_key)
    current = hmac.compare_digest(offered, api_user.key_hash)
    now = now or _now()
    previous = bool(
        api_user.previous_key_hash
        and api_user.previous_key_expires_at
        and now < api_user.previous_key_expires_at
        and hmac.compare_digest(offered, api_user.previous_key_hash)
    )
    return current or previous


class LockedOut(ApiError):
    """Authentication refused without checking the key: too many recent failures (still 40005)."""

    def __init__(self):
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        super().__init__(AUTH_FAILED, _("Too many failed attempts: try again in %(minutes)d minutes.") % {"minutes": minutes})


@sensitive_variables("api_key")
def authenticate(*, api_user: str, api_key: str, client_ip: str = "", now: datetime | None = None) -> ApiUser | None:
    """The API_USER named ``api_user`` if ``api_key`` is its current (or still-valid previous) key.

    Returns None on a wrong name or key; raises ``LockedOut`` (an ``ApiError`` with 40005) while
    the client IP or the API_USER name is locked out after too many failures.
    """
    now = now or _now()
    keys = _failure_keys(api_user=api_user, client_ip=client_ip)
    if _locked(keys, now=now):
        raise LockedOut()
    candidate = ApiUser.objects.select_related("account", "domain").filter(name=api_user).first()
    if candidate is None or not candidate.account.is_active:
        hash_api_key(api_key)  # same work either way
        caller = None
    else:
        caller = candidate if key_matches(candidate, api_key, now=now) else None
    if caller is None:
        for counter_key in keys:
            _count_failure(counter_key, now=now)
    return caller


def _failure_keys(*, api_user: str, client_ip: str) -> list[str]:
    # The name is hashed so that any string a client sends makes a short, safe cache key.
    keys = [f"apiauth:fail:user:{hashlib.sha256(api_user.encode('utf-8')).hexdigest()[:32]}"]
    if client_ip:
        keys.append(f"apiauth:fail:ip:{client_ip}")
    return keys


def _locked(counter_keys: list[str], *, now: datetime) -> bool:
    """Whether any of ``counter_keys`` is locked out at ``now``; expired locks are cleared with their counter.

    One cache round trip on the common path.  The cache entries also expire on their own after
    ``FAILURE_WINDOW``; comparing with ``now`` as well keeps the rule exact (and testable with a
    controlled clock).
    """
    locks = cache.get_many([f"{counter_key}:until" for counter_key in counter_keys])
    locked = False
    for counter_key in counter_keys:
        locked_until = locks.get(f"{counter_key}:until")
        if locked_until is None:
            continue
        if now.timestamp() < locked_until:
            locked = True
        else:
            cache.delete_many([f"{counter_key}:until", counter_key])
    return locked


def _count_failure(counter_key: str, *, now: datetime) -> None:
    window = int(FAILURE_WINDOW.total_seconds())
    cache.add(counter_key, 0, timeout=window)  # the window starts at the first failure
    try:
        failures = cache.incr(counter_key)
    except ValueError:  # expired between add and incr
        cache.set(counter_key, 1, timeout=window)
        failures = 1
    if failures >= FAILURE_LIMIT:
        cache.set(f"{counter_key}:until", now.timestamp() + window, timeout=window)
