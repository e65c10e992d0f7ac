"""The SMTP ingress server: aiosmtpd on every SMTP_LISTEN address, a thin handler, a thread pool.

* A listener on ``SMTP_IMPLICIT_TLS_PORT`` (465) speaks TLS from the first byte; every other listener
  offers STARTTLS.  AUTH is offered and accepted only once the connection is encrypted (538 5.7.11
  before), TLS 1.2 or newer.
* The handler only translates between aiosmtpd and ``ingress.decisions``; whatever touches the
  database (AUTH, DATA) runs in ``WorkerPool`` threads, so a slow session never blocks the event
  loop or the other sessions.
* Robustness (targets S3, S10): aiosmtpd ends DATA only at CRLF.CRLF (a bare LF or CR never ends a
  message, so nothing can be smuggled in as a second message), refuses lines over 1,000 bytes and
  data over the SIZE limit (552 5.3.4), and disconnects a client idle for ``SMTP_TIMEOUT_SECONDS``.
  An exception inside a session is answered 451 4.3.0 in that session only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import logging
import queue
import socket
import ssl
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Session, TLSSetupException
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import translation

from ingress import decisions
from ingress.replies import INTERNAL_ERROR, reply

log = logging.getLogger(__name__)

DEFAULT_THREADS = 16
AUTH_FAILURE_DELAY = 1.0  # seconds before a failed AUTH is answered (brute force: targets S8)
MAX_AUTH_FAILURES_PER_SESSION = 3  # then 421 and the connection is closed
STOP_GRACE_SECONDS = 10.0  # on shutdown, messages being stored get this long to finish
BANNER = "ESMTP ready"
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    implicit_tls: bool = False

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port} ({'implicit TLS' if self.implicit_tls else 'STARTTLS'})"


def listeners_from_settings() -> list[Listener]:
    return [
        Listener(item.host, item.port, implicit_tls=item.port == settings.SMTP_IMPLICIT_TLS_PORT)
        for item in settings.SMTP_LISTEN
    ]


class WorkerPool:
    """Threads that run the ingress's synchronous (ORM) work, each with its own database connection.

    Like a request in Django, every job starts and ends with ``close_old_connections``; when the
    pool closes, each thread closes its connections (tests drop their database afterwards).
    """

    def __init__(self, threads: int):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"smtp-worker-{n}", daemon=True) for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, func: Callable[..., Any], kwargs: dict) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((future, func, kwargs))
        return future

    def _work(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                future, func, kwargs = job
                if not future.set_running_or_notify_cancel():
                    continue
                close_old_connections()
                try:
                    with translation.override("en"):  # replies are protocol text, in English
                        result = func(**kwargs)
                except BaseException as error:  # handed to the waiting session, which answers 451
                    future.set_exception(error)
                else:
                    future.set_result(result)
                finally:
                    close_old_connections()
        finally:
            connections.close_all()

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(STOP_GRACE_SECONDS)  # a job stuck in the database does not hold the exit


class IngressSession(Session):
    # A plain attribute: aiosmtpd still assigns this deprecated property on AUTH, with a warning each time.
    login_data = None

    def __init__(self, loop):
        super().__init__(loop)
        self.auth_failures = 0


class IngressSMTP(SMTP):
    """aiosmtpd's protocol with the ingress's wording and a source-route-preserving address parser."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler, *, sessions: weakref.WeakSet, **kwargs):
        super().__init__(handler, **kwargs)
        size = self.data_size_limit
        too_big = reply("552 5.3.4", f"Message too big: at most {size} bytes")
        # aiosmtpd's own replies, given enhanced status codes and SendCloud-like wording.
        self._rewrites = {
            "552 Error: Too much mail data": too_big,
            "552 Error: message size exceeds fixed maximum message size": too_big,
            "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.6 Line too long: at most 1000 bytes per line "
            "(RFC 5321 4.5.3.1.6)",
            "500 Command line too long": "500 5.5.6 Command line too long",
            "354 End data with <CR><LF>.<CR><LF>": "354 go ahead, end data with <CR><LF>.<CR><LF>",
            "220 Ready to start TLS": "220 2.0.0 Ready to start TLS",
            "221 Bye": "221 2.0.0 closing connection",
            "530 5.7.0 Authentication required": "530 5.7.0 Authentication required",
        }
        sessions.add(self)

    async def push(self, status):
        if isinstance(status, str):
            status = self._rewrites.get(status, status)
        await super().push(status)

    async def smtp_AUTH(self, arg):
        # SASL mechanism names are case-insensitive (RFC 4954); aiosmtpd matches them exactly.
        if arg:
            mechanism, space, rest = arg.partition(" ")
            arg = mechanism.upper() + space + rest
        await super().smtp_AUTH(arg)

    def _create_session(self) -> Session:
        return IngressSession(self.loop)

    def _getaddr(self, arg):
        # aiosmtpd silently drops a source route (<@relay:user@host>); keep it so that the decision
        # can refuse it by name.
        address, rest = super()._getaddr(arg)
        stripped = (arg or "").lstrip()
        if address and stripped.startswith("<@"):
            route = stripped[1:].partition(":")[0]
            return f"{route}:{address}", rest
        return address, rest


class IngressHandler:
    """aiosmtpd hooks: each one asks ``ingress.decisions`` and returns its reply."""

    def __init__(self, pool: WorkerPool, *, failure_delay: float = AUTH_FAILURE_DELAY):
        self.pool = pool
        self.failure_delay = failure_delay
        self.in_flight = 0

    async def run(self, func: Callable[..., Any], **kwargs) -> Any:
        """``func(**kwargs)`` in a worker thread; an unexpected error is logged and answered 451 4.3.0."""
        self.in_flight += 1
        try:
            return await asyncio.wrap_future(self.pool.submit(func, kwargs))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("SMTP ingress: %s failed", getattr(func, "__name__", func))
            return INTERNAL_ERROR
        finally:
            self.in_flight -= 1

    @staticmethod
    def _login(session) -> decisions.Login | None:
        return session.auth_data if session.authenticated else None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    async def auth_LOGIN(self, server, args):
        if len(args) == 1:
            user_name = await server.challenge_auth(server.AuthLoginUsernameChallenge)
            if user_name is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            user_name = _b64(args[1])
            if user_name is None:
                await server.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        password = await server.challenge_auth(server.AuthLoginPasswordChallenge)
        if password is MISSING:
            return AuthResult(success=False, handled=True)
        return await self._authenticate(server, user_name, password)

    async def auth_PLAIN(self, server, args):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            blob = _b64(args[1])
            if blob is None:
                await server.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x00")
        if len(parts) != 3:  # authzid NUL authcid NUL passwd (RFC 4616)
            await server.push("501 5.5.2 Cannot split the AUTH PLAIN value")
            return AuthResult(success=False, handled=True)
        return await self._authenticate(server, parts[1], parts[2])

    async def _authenticate(self, server, user_name: bytes, password: bytes) -> AuthResult:
        session = server.session
        peer = session.peer
        client_ip = peer[0] if isinstance(peer, tuple) and peer else ""
        result = await self.run(decisions.authenticate, user_name=user_name, password=password, client_ip=client_ip)
        if not isinstance(result, decisions.AuthDecision):  # an internal error, answered 451
            return AuthResult(success=False, handled=False, message=result)
        if result.login is not None:
            return AuthResult(success=True, auth_data=result.login, message=result.reply)
        session.auth_failures += 1
        await asyncio.sleep(self.failure_delay)
        if session.auth_failures >= MAX_AUTH_FAILURES_PER_SESSION:
            await server.push("421 4.7.0 Too many failed authentication attempts, closing connection")
            server.transport.close()
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=result.reply)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        status = decisions.mail_from(login=self._login(session), address=address)
        if decisions.is_positive(status):
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
        return status

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        status = decisions.rcpt_to(login=self._login(session), address=address, accepted=envelope.rcpt_tos)
        if decisions.is_positive(status):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return status

    async def handle_DATA(self, server, session, envelope):
        login = self._login(session)
        if login is None:  # unreachable: every unauthenticated RCPT is refused
            return reply("530 5.7.0", "Authentication required")
        return await self.run(
            decisions.receive,
            login=login,
            data=bytes(envelope.original_content),
            mail_from_address=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
        )

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):  # a client that could not complete STARTTLS: closed
            log.info("SMTP ingress: TLS handshake failed: %r", error.__cause__)
        else:
            log.error("SMTP ingress: error in a session", exc_info=error)
        return INTERNAL_ERROR


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


class IngressServer:
    """Every listener of one process, sharing a handler and a worker pool."""

    def __init__(
        self,
        *,
        listeners: list[Listener],
        tls_context: ssl.SSLContext,
        hostname: str,
        max_message_size: int,
        timeout: float,
        failure_delay: float = AUTH_FAILURE_DELAY,
        threads: int = DEFAULT_THREADS,
    ):
        self.listeners = listeners
        self.tls_context = tls_context
        self.hostname = hostname
        self.max_message_size = max_message_size
        self.timeout = timeout
        self.failure_delay = failure_delay
        self.threads = threads
        self.servers: list[asyncio.Server] = []
        self.bound: list[Listener] = []  # with the real port when a listener asked for port 0
        self._sessions: weakref.WeakSet = weakref.WeakSet()
        self.pool: WorkerPool | None = None
        self.handler: IngressHandler | None = None

    def _protocol(self, listener: Listener, loop) -> IngressSMTP:
        assert self.handler is not None
        return IngressSMTP(
            self.handler,
            sessions=self._sessions,
            hostname=self.hostname,
            ident=BANNER,
            data_size_limit=self.max_message_size,
            decode_data=False,
            enable_SMTPUTF8=False,
            # Implicit TLS: the transport is already encrypted, so no STARTTLS and AUTH is allowed.
            tls_context=None if listener.implicit_tls else self.tls_context,
            require_starttls=False,
            auth_require_tls=not listener.implicit_tls,
            timeout=self.timeout,
            loop=loop,
        )

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.pool = WorkerPool(self.threads)
        self.handler = IngressHandler(self.pool, failure_delay=self.failure_delay)
        try:
            for listener in self.listeners:
                server = await loop.create_server(
                    lambda listener=listener: self._protocol(listener, loop),
                    host=listener.host,
                    port=listener.port,
                    ssl=self.tls_context if listener.implicit_tls else None,
                    ssl_handshake_timeout=self.timeout if listener.implicit_tls else None,
                    reuse_address=True,
                    # Several smtpd processes may listen on the same ports to use more cores; the
                    # kernel spreads connections among them (Linux: same user only).
                    reuse_port=REUSE_PORT,
                )
                self.servers.append(server)
                port = server.sockets[0].getsockname()[1]
                self.bound.append(Listener(listener.host, port, listener.implicit_tls))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop listening, let messages being stored finish, close the sessions and the pool."""
        for server in self.servers:
            server.close()
        deadline = asyncio.get_running_loop().time() + STOP_GRACE_SECONDS
        while self.handler is not None and self.handler.in_flight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        for protocol in list(self._sessions):
            if protocol.transport is not None:
                protocol.transport.close()
        await asyncio.sleep(0)
        self.servers = []
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.close)


class ThreadedIngress:
    """An ``IngressServer`` on its own event loop in a background thread (tests, benchmarks)."""

    def __init__(self, server: IngressServer):
        self.server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> ThreadedIngress:
        self._thread = threading.Thread(target=self._run, name="smtp-ingress", daemon=True)
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as error:
            self._error = error
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)

    def port(self, *, implicit_tls: bool = False) -> int:
        return next(item.port for item in self.server.bound if item.implicit_tls == implicit_tls)
