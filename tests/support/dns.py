"""A real authoritative DNS server (BIND's ``named`` from Debian) on a loopback port, for tests.

``dns_server`` (function scope) is the fixture tests use: it points ``settings.DNS_NAMESERVERS`` at
the server, lets the test publish and remove records through RFC 2136 dynamic updates, and removes
everything the test published when it ends::

    def test_something(dns_server):
        dns_server.add("mail.example.test", "TXT", "v=spf1 include:spf.sendcloud.localhost ~all")
        dns_server.add("rcpt.example.test", "MX", "10 mx.rcpt.example.test")
        dns_server.add("mx.rcpt.example.test", "A", "127.0.0.1")
        dns_server.delete("mail.example.test", "TXT")

The server is authoritative for ``example.test`` and for ``settings.PLATFORM_DOMAIN`` (records under
either zone can be published); names outside them are answered REFUSED, which the platform's
resolver reports as "could not check".  ``unused_port()`` gives a loopback port where nothing
listens, for tests of an unreachable DNS server.

One ``named`` runs per test session (started lazily by the first test that needs it, killed at the
end); it needs /usr/sbin/named (Debian package bind9, installed by .ci/run).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.update
import pytest

from sendcloud.config import HostPort

NAMED = shutil.which("named") or "/usr/sbin/named"
BASE_ZONES = ("example.test",)
START_TIMEOUT = 20.0


def _die_with_parent() -> None:
    """Run in the child before exec: on Linux, ask for SIGTERM when pytest dies (even by SIGKILL),
    so an interrupted session leaves no ``named`` behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def unused_port() -> int:
    """A loopback port free for both UDP and TCP at the time of the call."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def _zone_text(zone: str) -> str:
    return (
        "$TTL 60\n"
        f"@ IN SOA ns.{zone}. hostmaster.{zone}. 1 60 60 600 60\n"
        f"@ IN NS ns.{zone}.\n"
        "ns IN A 127.0.0.1\n"
    )


def _named_conf(directory: Path, port: int, zones: tuple[str, ...]) -> str:
    zone_blocks = "".join(
        f'zone "{zone}" {{ type primary; file "{zone}.zone"; '
        "allow-update { 127.0.0.1; }; allow-transfer { 127.0.0.1; }; };\n"
        for zone in zones
    )
    return (
        "options {\n"
        f'  directory "{directory}";\n'
        f'  pid-file "{directory}/named.pid";\n'
        f'  session-keyfile "{directory}/session.key";\n'
        f'  managed-keys-directory "{directory}";\n'
        f"  listen-on port {port} {{ 127.0.0.1; }};\n"
        "  listen-on-v6 { none; };\n"
        "  recursion no;\n"
        "  allow-query { any; };\n"
        "  dnssec-validation no;\n"
        "  notify no;\n"
        "  minimal-responses yes;\n"
        # Let tests publish whatever they need (an MX whose host has no address yet, odd names).
        "  check-integrity no;\n"
        "  check-mx ignore;\n"
        "  check-mx-cname ignore;\n"
        "  check-srv-cname ignore;\n"
        "  check-names primary ignore;\n"
        "};\n"
        "controls { };\n" + zone_blocks
    )


class DnsServer:
    """A running ``named``; publish records with ``add`` and remove them with ``delete``."""

    def __init__(self, zones: tuple[str, ...]):
        self.host = "127.0.0.1"
        self.port = 0
        self.zones = zones
        self.process: subprocess.Popen | None = None
        self.directory = Path(tempfile.mkdtemp(prefix="named-"))
        self.published: set[tuple[str, str | None]] = set()

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        for zone in self.zones:
            (self.directory / f"{zone}.zone").write_text(_zone_text(zone))
        last_error = ""
        for _attempt in range(3):  # another process may grab the port between choosing and binding
            self.port = unused_port()
            conf = self.directory / "named.conf"
            conf.write_text(_named_conf(self.directory, self.port, self.zones))
            log = open(self.directory / "named.log", "ab")  # noqa: SIM115 - closed in stop()
            self.process = subprocess.Popen(
                [NAMED, "-g", "-4", "-n", "1", "-c", str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
            self._log = log
            if self._wait_until_answering():
                return
            last_error = (self.directory / "named.log").read_text(errors="replace")[-2000:]
            self.stop(remove=False)
        raise RuntimeError(f"named did not start:\n{last_error}")

    def _wait_until_answering(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                for zone in self.zones:
                    response = dns.query.udp(
                        dns.message.make_query(zone, "SOA"), self.host, timeout=0.3, port=self.port
                    )
                    if response.rcode() != dns.rcode.NOERROR or not response.answer:
                        raise OSError(f"{zone} not loaded yet")
                return True
            except (OSError, dns.exception.DNSException):
                time.sleep(0.1)
        return False

    def stop(self, *, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def nameservers(self) -> list[HostPort]:
        return [HostPort(self.host, self.port)]

    # --- records ------------------------------------------------------------------------------
    def _zone_of(self, name: str) -> str:
        name = name.rstrip(".").lower()
        matches = [zone for zone in self.zones if name == zone or name.endswith("." + zone)]
        if not matches:
            raise ValueError(f"{name} is in none of the test DNS server's zones {self.zones}")
        return max(matches, key=len)

    def _send(self, update: dns.update.UpdateMessage) -> None:
        response = dns.query.tcp(update, self.host, timeout=5, port=self.port)
        if response.rcode() != dns.rcode.NOERROR:
            raise RuntimeError(f"DNS update refused: {dns.rcode.to_text(response.rcode())}")

    @staticmethod
    def _rdata(rdtype: str, value) -> dns.rdata.Rdata:
        if rdtype.upper() == "TXT":
            # One TXT record; a value longer than 255 bytes (a DKIM key) becomes several strings.
            parts = [value] if isinstance(value, str) else list(value)
            chunks = [part[i : i + 255] for part in parts for i in range(0, max(len(part), 1), 255)]
            text = " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)
        else:
            text = value
        # Names inside the value (MX exchange, CNAME target) are absolute even without a final dot.
        return dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text, origin=dns.name.root, relativize=False
        )

    def add(self, name: str, rdtype: str, value, ttl: int = 60) -> None:
        """Publish one record (added to any records of that type already there)."""
        zone = self._zone_of(name)
        update = dns.update.UpdateMessage(zone)
        update.add(dns.name.from_text(name), ttl, self._rdata(rdtype, value))
        self._send(update)
        self.published.add((name.rstrip(".").lower(), rdtype.upper()))

    def replace(self, name: str, rdtype: str, value, ttl: int = 60) -> None:
        """Publish ``value`` as the only record of that type at ``name``."""
        zone = self._zone_of(name)
        update = dns.update.UpdateMessage(zone)
        update.replace(dns.name.from_text(name), ttl, self._rdata(rdtype, value))
        self._send(update)
        self.published.add((name.rstrip(".").lower(), rdtype.upper()))

    def delete(self, name: str, rdtype: str | None = None) -> None:
        """Remove the records of ``rdtype`` at ``name`` (all of its records when rdtype is None)."""
        zone = self._zone_of(name)
        update = dns.update.UpdateMessage(zone)
        if rdtype is None:
            update.delete(dns.name.from_text(name))
        else:
            update.delete(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
        self._send(update)

    def reset(self) -> None:
        """Remove everything published since the last reset."""
        for name, rdtype in sorted(self.published, key=lambda item: (item[0], item[1] or "")):
            self.delete(name, rdtype)
        self.published.clear()


@pytest.fixture(scope="session")
def dns_server_process():
    """The session's ``named`` (without touching settings); most tests want ``dns_server``."""
    from django.conf import settings

    server = DnsServer(zones=tuple(dict.fromkeys((*BASE_ZONES, settings.PLATFORM_DOMAIN))))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dns_server(dns_server_process, settings):
    """The running DNS server, with ``settings.DNS_NAMESERVERS`` pointing at it; records published
    by the test are removed afterwards."""
    settings.DNS_NAMESERVERS = dns_server_process.nameservers
    dns_server_process.reset()
    yield dns_server_process
    dns_server_process.reset()


@pytest.fixture
def unreachable_dns(settings):
    """``settings.DNS_NAMESERVERS`` pointing at a loopback port where no server listens."""
    settings.DNS_NAMESERVERS = [HostPort("127.0.0.1", unused_port())]
    return settings.DNS_NAMESERVERS
