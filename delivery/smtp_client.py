"""Hand prepared emails to a destination's MX hosts over SMTP, several emails per connection.

Connection-level failures move the remaining emails to the next MX host (and address); replies to
an email's own commands are that email's result.  STARTTLS is used whenever offered
(opportunistic: certificates are not verified, as between MTAs without MTA-STS/DANE).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from delivery import outcomes, routing
from delivery.models import Outcome
from delivery.outcomes import Result
from delivery.pipeline import Prepared

_host_slots: dict[str, threading.BoundedSemaphore] = defaultdict(
    lambda: threading.BoundedSemaphore(settings.DELIVERY_CONNECTIONS_PER_HOST)
)
_slots_lock = threading.Lock()


def _slot(host: str) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _host_slots[host]


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class Attempt:
    """A result with its timing, for the attempt log."""

    def __init__(self, prepared: Prepared, result: Result, started_at: datetime, duration_ms: int):
        self.prepared, self.result, self.started_at, self.duration_ms = prepared, result, started_at, duration_ms


def _send_one(conn: smtplib.SMTP, prepared: Prepared, *, host: str, ip: str, tls: bool) -> Result:
    """One email over an open connection.  Raises on connection-level failures."""
    code, reply = conn.mail(prepared.envelope_from, ["SMTPUTF8"] if _needs_smtputf8(prepared, conn) else [])
    if code != 250:
        conn.rset()
        return outcomes.from_smtp_reply(code, reply.decode(errors="replace"), mx_host=host, ip=ip, tls=tls)
    code, reply = conn.rcpt(prepared.recipient)
    if code not in (250, 251):
        conn.rset()
        return outcomes.from_smtp_reply(code, reply.decode(errors="replace"), mx_host=host, ip=ip, tls=tls)
    code, reply = conn.data(prepared.data)
    return outcomes.from_smtp_reply(code, reply.decode(errors="replace"), mx_host=host, ip=ip, tls=tls)


def _needs_smtputf8(prepared: Prepared, conn: smtplib.SMTP) -> bool:
    return not (prepared.envelope_from.isascii() and prepared.recipient.isascii()) and conn.has_extn("smtputf8")


def _open(host: str, ip: str) -> tuple[smtplib.SMTP, bool]:
    conn = smtplib.SMTP(timeout=settings.DELIVERY_TIMEOUT_SECONDS, local_hostname=settings.DELIVERY_HOSTNAME)
    # Connect to the address we resolved, but name the MX host in STARTTLS (SNI): smtplib only takes
    # that name from its constructor, which would resolve it again through the system resolver.
    conn._host = host
    code, reply = conn.connect(ip, settings.DELIVERY_PORT)
    if code != 220:
        conn.close()
        raise smtplib.SMTPConnectError(code, reply)
    conn.ehlo()
    tls = False
    if conn.has_extn("starttls"):
        conn.starttls(context=_tls_context())
        conn.ehlo()
        tls = True
    return conn, tls


def deliver(domain: str, batch: list[Prepared], attempts=None):
    """Deliver every email of ``batch`` (all to ``domain``); one Attempt per email, appended to
    ``attempts`` (a list, or the engine's recorder that commits them as they come) and returned."""
    attempts = [] if attempts is None else attempts

    def finish_all(pending: list[Prepared], result: Result) -> None:
        now = timezone.now()
        attempts.extend(Attempt(p, result, now, 0) for p in pending)

    try:
        hosts = routing.route(domain).hosts
    except routing.NoMailService as error:
        finish_all(batch, Result(Outcome.PERMANENT, sub_status=403, reply=str(error)))
        return attempts
    except routing.RouteUnavailable as error:
        finish_all(batch, outcomes.connection_failure(f"DNS lookup failed: {error}"))
        return attempts

    pending = list(batch)
    last_failure = outcomes.connection_failure(f"{domain}: no MX host could be reached")
    for host in hosts:
        for ip in routing.host_addresses(host):
            if not pending:
                return attempts
            # Reconnect to the same address while each connection gets at least one email answered.
            progressed = True
            while pending and progressed:
                with _slot(host):
                    pending, last_failure, progressed = _deliver_over_connection(host, ip, pending, attempts)
    if pending:
        finish_all(pending, last_failure)
    return attempts


def _deliver_over_connection(host: str, ip: str, pending: list[Prepared], attempts: list[Attempt]):
    """Send ``pending`` over one connection: (what is left, the last failure, whether any was answered)."""
    try:
        conn, tls = _open(host, ip)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
        return pending, _connection_failure(error, host, ip), False
    remaining = list(pending)
    progressed = False
    failure = None
    while remaining:
        prepared = remaining.pop(0)
        started_at, clock = timezone.now(), time.monotonic()
        try:
            result = _send_one(conn, prepared, host=host, ip=ip, tls=tls)
        except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
            # The connection broke during this email: it is retried later; the others get a new connection.
            failure = _connection_failure(error, host, ip)
            attempts.append(Attempt(prepared, failure, started_at, int((time.monotonic() - clock) * 1000)))
            _close(conn)
            return remaining, failure, True
        attempts.append(Attempt(prepared, result, started_at, int((time.monotonic() - clock) * 1000)))
        progressed = True
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        _close(conn)
    return remaining, failure, progressed


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.close()
    except OSError:
        pass


def _connection_failure(error: Exception, host: str, ip: str) -> Result:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        result = outcomes.from_smtp_reply(error.smtp_code, reply, mx_host=host, ip=ip)
        if result.outcome != Outcome.PERMANENT:
            return result
        # A 5xx greeting refuses the connection, not the recipient: another host may take it.
        return outcomes.Result(Outcome.TEMPORARY, sub_status=503, smtp_code=error.smtp_code, reply=reply,
                               mx_host=host, ip=ip)
    detail = "timed out" if isinstance(error, socket.timeout | TimeoutError) else (str(error) or error.__class__.__name__)
    return outcomes.connection_failure(f"{host} [{ip}]: {detail}", mx_host=host, ip=ip)
