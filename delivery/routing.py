"""Where mail for a recipient domain goes: MX hosts by preference, the A/AAAA fallback when there is
no MX, a null MX (RFC 7505) meaning "accepts no mail".  Answers are cached per process briefly."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sendcloud import resolver

CACHE_SECONDS = 300


class NoMailService(Exception):
    """Permanent: the domain does not exist or publishes a null MX."""


class RouteUnavailable(Exception):
    """Temporary: the DNS could not be asked."""


@dataclass(frozen=True)
class Route:
    hosts: tuple[str, ...]  # in preference order


_cache: dict[str, tuple[float, Route]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def route(domain: str) -> Route:
    now = time.monotonic()
    with _lock:
        cached = _cache.get(domain)
    if cached and cached[0] > now:
        return cached[1]
    found = _lookup(domain)
    with _lock:
        _cache[domain] = (now + CACHE_SECONDS, found)
    return found


def _lookup(domain: str) -> Route:
    try:
        records = resolver.mx(domain)
    except resolver.NxDomain:
        raise NoMailService(f"{domain}: no such domain") from None
    except resolver.NoAnswer:
        return Route(hosts=(domain,))  # RFC 5321 §5.1: no MX, use the domain's own address
    except resolver.LookupFailed as error:
        raise RouteUnavailable(str(error)) from None
    if any(record.exchange == "" for record in records):
        raise NoMailService(f"{domain}: null MX, the domain accepts no mail")
    return Route(hosts=tuple(record.exchange for record in records))


def host_addresses(host: str) -> list[str]:
    """Addresses of an MX host; an empty list when it has none (the next host is tried)."""
    try:
        return resolver.addresses(host)
    except resolver.NoRecord:
        return []
