"""The one DNS resolver of the platform: every DNS read (domain verification, MX lookups for delivery,
tracking CNAMEs, ...) goes through this module.

Nameservers come from ``settings.DNS_NAMESERVERS`` (a list of ``HostPort``; empty = the system
resolver from /etc/resolv.conf), read on every call so tests can point it at their own server.
Answers are never cached here: a verification must see what is published now.

Every lookup returns plain values or raises one of two small errors, because callers must treat
them differently:

* ``NoRecord`` — the DNS answered authoritatively that there is nothing: ``NxDomain`` (the name
  does not exist) or ``NoAnswer`` (the name exists, without records of that type).  A verification
  then *fails*; a mailer falls back to the A record (``NoAnswer``) or gives up (``NxDomain``).
* ``LookupFailed`` — the question could not be answered: timeout, SERVFAIL/REFUSED from every
  server, a network error.  A verification then says "could not check"; a mailer retries later.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings

# Seconds for one query to one server, and for a whole lookup (all servers, all retries).
# Overridable with settings.DNS_TIMEOUT / settings.DNS_LIFETIME.
DEFAULT_TIMEOUT = 2.0
DEFAULT_LIFETIME = 5.0


class DnsError(Exception):
    """Base of the resolver's errors; ``name`` and ``rdtype`` say what was asked."""

    def __init__(self, name: str, rdtype: str, detail: str = ""):
        self.name = name
        self.rdtype = rdtype
        self.detail = detail
        super().__init__(f"{rdtype} {name}: {detail}" if detail else f"{rdtype} {name}")


class NoRecord(DnsError):
    """The DNS says there is no such record (NXDOMAIN or NOANSWER)."""


class NxDomain(NoRecord):
    """The name does not exist."""


class NoAnswer(NoRecord):
    """The name exists but has no record of this type."""


class LookupFailed(DnsError):
    """The DNS could not be asked or did not answer (timeout, SERVFAIL, REFUSED, network error)."""


@dataclass(frozen=True, order=True)
class MxRecord:
    preference: int
    exchange: str  # lower-case, without the trailing dot; "" for a null MX (RFC 7505: "0 .")


def _nameserver(host: str, port: int) -> dns.nameserver.Do53Nameserver:
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        # DNS_NAMESERVERS may name a host (e.g. a docker-compose service): resolve it once per use.
        address = socket.getaddrinfo(host, port, proto=socket.IPPROTO_UDP)[0][4][0]
    return dns.nameserver.Do53Nameserver(address, port)


def make_resolver(*, lifetime: float | None = None) -> dns.resolver.Resolver:
    """A fresh resolver for the configured nameservers (no cache, bounded time)."""
    servers = list(getattr(settings, "DNS_NAMESERVERS", []) or [])
    if servers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [_nameserver(server.host, server.port) for server in servers]
    else:
        resolver = dns.resolver.Resolver()
    resolver.cache = None
    resolver.timeout = float(getattr(settings, "DNS_TIMEOUT", DEFAULT_TIMEOUT))
    resolver.lifetime = float(
        lifetime if lifetime is not None else getattr(settings, "DNS_LIFETIME", DEFAULT_LIFETIME)
    )
    return resolver


def normalize(name: str) -> str:
    """``Example.COM.`` -> ``example.com``."""
    return name.strip().rstrip(".").lower()


def lookup(name: str, rdtype: str, *, lifetime: float | None = None) -> list:
    """The rdata of ``name``/``rdtype`` (CNAMEs followed), or ``NoRecord`` / ``LookupFailed``."""
    qname = normalize(name)
    try:
        dns.name.from_text(qname)
    except dns.exception.DNSException as error:
        raise NxDomain(qname, rdtype, f"not a DNS name: {error}") from None
    try:
        answer = make_resolver(lifetime=lifetime).resolve(
            qname, rdtype, search=False, raise_on_no_answer=True
        )
    except dns.resolver.NXDOMAIN:
        raise NxDomain(qname, rdtype, "no such domain (NXDOMAIN)") from None
    except dns.resolver.NoAnswer:
        raise NoAnswer(qname, rdtype, "no record of this type") from None
    except dns.resolver.LifetimeTimeout:
        raise LookupFailed(qname, rdtype, "timed out") from None
    except dns.resolver.NoNameservers as error:
        raise LookupFailed(qname, rdtype, f"no server answered ({_first_error(error)})") from None
    except (dns.exception.DNSException, OSError) as error:
        raise LookupFailed(qname, rdtype, str(error) or error.__class__.__name__) from None
    return list(answer)


def _first_error(error: dns.resolver.NoNameservers) -> str:
    errors = error.kwargs.get("errors") or []
    if not errors:
        return "SERVFAIL"
    server, _tcp, _port, problem, *_ = errors[0]
    return f"{server}: {problem}"


def txt(name: str, *, lifetime: float | None = None) -> list[str]:
    """Each TXT record at ``name`` as one string (its character-strings concatenated, RFC 7208 §3.3)."""
    return [
        b"".join(rdata.strings).decode("utf-8", errors="replace")
        for rdata in lookup(name, "TXT", lifetime=lifetime)
    ]


def mx(name: str, *, lifetime: float | None = None) -> list[MxRecord]:
    """The MX records of ``name``, most preferred first."""
    records = [
        MxRecord(rdata.preference, normalize(rdata.exchange.to_text()))
        for rdata in lookup(name, "MX", lifetime=lifetime)
    ]
    return sorted(records)


def cname(name: str, *, lifetime: float | None = None) -> str:
    """The target of the CNAME at ``name`` (lower-case, no trailing dot)."""
    qname = normalize(name)
    rdatas = lookup(qname, "CNAME", lifetime=lifetime)
    return normalize(rdatas[0].target.to_text())


def a(name: str, *, lifetime: float | None = None) -> list[str]:
    """The IPv4 addresses of ``name``."""
    return [rdata.address for rdata in lookup(name, "A", lifetime=lifetime)]


def aaaa(name: str, *, lifetime: float | None = None) -> list[str]:
    """The IPv6 addresses of ``name``."""
    return [rdata.address for rdata in lookup(name, "AAAA", lifetime=lifetime)]


def addresses(name: str, *, lifetime: float | None = None) -> list[str]:
    """IPv4 then IPv6 addresses of ``name``; ``NoRecord`` only when it has neither."""
    found: list[str] = []
    failure: LookupFailed | None = None
    for query in (a, aaaa):
        try:
            found.extend(query(name, lifetime=lifetime))
        except NoRecord:
            continue
        except LookupFailed as error:
            failure = failure or error
    if found:
        return found
    if failure is not None:
        raise failure
    raise NoAnswer(normalize(name), "A/AAAA", "no address records")


__all__ = [
    "DnsError",
    "NoRecord",
    "NxDomain",
    "NoAnswer",
    "LookupFailed",
    "MxRecord",
    "make_resolver",
    "normalize",
    "lookup",
    "txt",
    "mx",
    "cname",
    "a",
    "aaaa",
    "addresses",
]
