"""Real SMTP sink servers on loopback (aiosmtpd), whose answers depend on the recipient's local part.

    accept anything                 -> 250
    temp...@                        -> 451 4.3.0 at RCPT (every time)
    tempfirst...@                   -> 451 4.3.0 at RCPT the first time, then 250
    retry30...@                     -> 451 4.7.1 "try again in 30 seconds"
    unknown...@                     -> 550 5.1.1 user unknown
    blocked...@                     -> 554 5.7.1 blocked by reputation policy
    spam...@                        -> 550 5.7.1 message looks like spam
    slow...@                        -> waits ``slow_seconds`` before answering RCPT, then 250
    drop...@                        -> closes the connection at RCPT

Every accepted message is kept with the id of the SMTP session that carried it.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    session: int
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool


@dataclass
class SinkHandler:
    slow_seconds: float = 2.0
    messages: list[Received] = field(default_factory=list)
    rcpt_seen: list[str] = field(default_factory=list)
    failed_once: set[str] = field(default_factory=set)
    slow_started: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.append(address)
        local = address.split("@")[0].lower()
        if local.startswith("tempfirst"):
            if address not in self.failed_once:
                self.failed_once.add(address)
                return "451 4.3.0 temporary local problem, please retry"
        elif local.startswith("temp"):
            return "451 4.3.0 temporary local problem, please retry"
        elif local.startswith("retry30"):
            return "451 4.7.1 greylisted, try again in 30 seconds"
        elif local.startswith("unknown"):
            return f"550 5.1.1 <{address}>: user unknown"
        elif local.startswith("blocked"):
            return "554 5.7.1 blocked by reputation policy"
        elif local.startswith("spam"):
            return "550 5.7.1 message looks like spam"
        elif local.startswith("slow"):
            self.slow_started.set()
            await asyncio.sleep(self.slow_seconds)
        elif local.startswith("drop"):
            server.transport.close()
            return "421 4.4.2 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(
                session=id(session),
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content or envelope.content,
                tls=session.ssl is not None,
            )
        )
        return f"250 2.0.0 Ok: queued as SINK{len(self.messages)}"


def self_signed_context(directory: Path, hostname: str = "mx.example.test") -> ssl.SSLContext:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "sink.crt", directory / "sink.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


class Sink:
    def __init__(self, hostname: str, port: int, tls_context: ssl.SSLContext | None = None):
        self.handler = SinkHandler()
        self.controller = Controller(
            self.handler, hostname=hostname, port=port, tls_context=tls_context, ready_timeout=10,
        )

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages
