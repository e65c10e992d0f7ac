"""The one HTTP client that talks to customers' webhook URLs (targets.md S5).

A customer chooses the URL, so the platform must not become a way into its own network:

* the host is resolved first (``sendcloud.resolver`` when ``DNS_NAMESERVERS`` is set, else the
  system resolver; literal IPs are taken as they are), and *every* address it resolves to must be
  public — private, loopback, link-local (cloud metadata), CGNAT, ULA, IPv4-mapped/translated,
  documentation, multicast and reserved ranges are refused;
* the connection is then made to an address that was checked, never by name again (no DNS
  rebinding between the check and the connect), with the original host name in ``Host`` and SNI;
* redirects are never followed (a 3xx is just "not 200");
* the whole exchange has a hard 3-second deadline and at most 64 KB of the reply body is read.

``settings.WEBHOOK_ALLOW_LOOPBACK`` lets 127.0.0.0/8 and ::1 through (tests, the sandbox); nothing
else is ever allowed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from sendcloud import resolver

TIMEOUT_SECONDS = 3.0
MAX_BODY_BYTES = 64 * 1024
MAX_URL_LENGTH = 1000
USER_AGENT = "SendCloud-Webhook/2.0 (self-hosted)"

_NETWORKS = [
    # (network, what it is) — checked in order; IPv4-mapped/translated forms are refused as such.
    ("127.0.0.0/8", "a loopback address"),
    ("::1/128", "a loopback address"),
    ("0.0.0.0/8", "a 'this network' address"),
    ("10.0.0.0/8", "a private address"),
    ("172.16.0.0/12", "a private address"),
    ("192.168.0.0/16", "a private address"),
    ("100.64.0.0/10", "a shared (CGNAT) address"),
    ("169.254.0.0/16", "a link-local address (cloud metadata lives here)"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
    ("::ffff:0:0/96", "an IPv4-mapped address"),
    ("::/96", "an IPv4-compatible or unspecified address"),
    ("64:ff9b::/96", "a NAT64 (IPv4-translated) address"),
    ("64:ff9b:1::/48", "a NAT64 (IPv4-translated) address"),
    ("100::/64", "a discard-only address"),
    ("2001::/32", "a Teredo address"),
    ("2001:db8::/32", "a documentation address"),
    ("2002::/16", "a 6to4 address"),
    ("fc00::/7", "a unique local (ULA) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
]
_BLOCKED = [(ipaddress.ip_network(network), what) for network, what in _NETWORKS]
_LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


class InvalidUrl(ValueError):
    """Not an http(s) URL the platform can POST to (SendCloud's 40706)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case name or literal IP (without brackets)
    port: int
    path: str  # path and query, at least "/"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass
class Reply:
    """What happened: an HTTP status (or None) and an ``error`` when the exchange did not complete."""

    status: int | None = None
    body: bytes = b""
    duration_ms: int = 0
    error: str = ""
    address: str = ""
    location: str = ""

    @property
    def ok(self) -> bool:
        """SendCloud's rule: only HTTP 200 within the deadline counts as received."""
        return self.status == 200 and not self.error

    def describe(self) -> str:
        """One line for logs and the console: ``HTTP 500``, ``timed out after 3 s``, ..."""
        if self.error:
            return self.error
        if self.status is not None and 300 <= self.status < 400:
            where = f" to {self.location}" if self.location else ""
            return f"HTTP {self.status}: redirect{where} not followed"
        return f"HTTP {self.status}"


def parse_url(url: str) -> Target:
    url = (url or "").strip()
    if not url:
        raise InvalidUrl("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise InvalidUrl("the URL contains spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidUrl("the URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl("user names and passwords in the URL are not supported")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidUrl("the URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise InvalidUrl("the URL's port is not a number from 1 to 65535") from None
    if port == 0:
        raise InvalidUrl("the URL's port is not a number from 1 to 65535")
    if not _is_ip(host):
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise InvalidUrl("the URL's host is not a valid name") from None
        if not all(label and len(label) < 64 for label in host.split(".")):
            raise InvalidUrl("the URL's host is not a valid name")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def refusal(address: str) -> str:
    """Why ``address`` may not be contacted, or "" when it may."""
    ip = ipaddress.ip_address(address)
    if settings.WEBHOOK_ALLOW_LOOPBACK and any(ip in network for network in _LOOPBACK):
        return ""
    for network, what in _BLOCKED:
        if ip.version == network.version and ip in network:
            return f"{address} is {what}"
    if not ip.is_global:
        return f"{address} is not a public address"
    return ""


class Refused(Exception):
    """The URL resolves to an address the platform must not contact, or does not resolve."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses to try, every one of them checked; raises ``Refused``."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _lookup(host, port)
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise Refused(f"{host} refused: {reason}" if address != host else f"refused: {reason}")
    return addresses


def _lookup(host: str, port: int) -> list[str]:
    if host == "localhost" or host.endswith(".localhost"):
        return ["127.0.0.1", "::1"]  # RFC 6761: always loopback, never asked of a DNS server
    if settings.DNS_NAMESERVERS:
        try:
            return resolver.addresses(host, lifetime=TIMEOUT_SECONDS)
        except resolver.DnsError as error:
            raise Refused(f"cannot resolve {host}: {error.detail or error}") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Refused(f"cannot resolve {host}: {error.strerror or error}") from None
    seen: list[str] = []
    for info in infos:
        address = info[4][0].split("%")[0]
        if address not in seen:
            seen.append(address)
    return seen


def request(method: str, url: str, *, body: bytes | None = None, content_type: str = "",
            timeout: float | None = None) -> Reply:
    """One HTTP exchange with the rules above; never raises for network trouble (see ``Reply.error``)."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    try:
        target = parse_url(url)
    except InvalidUrl as error:
        return Reply(error=f"invalid URL: {error}")
    started = time.monotonic()
    try:
        addresses = resolve(target.host, target.port)
    except Refused as error:
        return Reply(error=str(error), duration_ms=_ms_since(started))
    started = time.monotonic()
    deadline = started + timeout
    sock, address, connect_error = None, "", ""
    for candidate in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            sock = socket.create_connection((candidate, target.port), timeout=remaining)
            address = candidate
            break
        except OSError as error:
            connect_error = f"cannot connect to {candidate} port {target.port}: {_os_error(error)}"
    if sock is None:
        error = connect_error or f"timed out after {timeout:g} s"
        return Reply(error=error, duration_ms=_ms_since(started))
    # A hard deadline for the whole exchange: a receiver that drips bytes cannot hold a worker longer.
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0), _shutdown, args=(sock,))
    watchdog.daemon = True
    watchdog.start()
    try:
        reply = _exchange(sock, target, method, body, content_type, deadline, timeout)
    finally:
        watchdog.cancel()
        try:
            sock.close()
        except OSError:
            pass
    reply.address = address
    reply.duration_ms = _ms_since(started)
    return reply


def _exchange(sock, target: Target, method: str, body: bytes | None, content_type: str, deadline: float,
              timeout: float) -> Reply:
    timed_out = Reply(error=f"timed out after {timeout:g} s (no answer in time)")
    try:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        if target.scheme == "https":
            sock = tls_context().wrap_socket(sock, server_hostname=target.host)
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        connection.sock = sock  # already connected to the checked address
        headers = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        if body is not None:
            headers["Content-Type"] = content_type
        connection.request(method, target.path, body=body, headers=headers)
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = connection.getresponse()
    except TimeoutError:
        return timed_out
    except ssl.SSLError as error:
        return Reply(error=f"TLS error: {error.reason or error}")
    except (http.client.HTTPException, OSError) as error:
        if time.monotonic() >= deadline:
            return timed_out
        return Reply(error=f"connection error: {_os_error(error) if isinstance(error, OSError) else error!r}")
    reply = Reply(status=response.status, location=response.getheader("Location", "") or "")
    chunks: list[bytes] = []
    size = 0
    try:
        while size < MAX_BODY_BYTES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sock.settimeout(remaining)
            chunk = response.read1(MAX_BODY_BYTES - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (http.client.HTTPException, OSError):
        pass  # the status arrived in time; a body cut short does not change the outcome
    reply.body = b"".join(chunks)[:MAX_BODY_BYTES]
    return reply


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, certificate and host name checked (tests load their own CA here)."""
    return ssl.create_default_context()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _os_error(error: OSError) -> str:
    return error.strerror or str(error) or error.__class__.__name__


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
