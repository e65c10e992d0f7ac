"""``manage.py smtpd``: the SMTP ingress on every SMTP_LISTEN address, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from ingress import tls
from ingress.server import DEFAULT_THREADS, IngressServer, listeners_from_settings


class Command(BaseCommand):
    help = "Run the SMTP ingress (STARTTLS, implicit TLS on SMTP_IMPLICIT_TLS_PORT, AUTH with API_USER/API_KEY)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads", type=int, default=DEFAULT_THREADS,
            help="worker threads that authenticate and store messages (each holds a database connection)",
        )

    def handle(self, *args, threads: int, **options):
        cert_path, key_path = tls.certificate_paths()
        server = IngressServer(
            listeners=listeners_from_settings(),
            tls_context=tls.server_context(cert_path, key_path),
            hostname=settings.SMTP_HOSTNAME,
            max_message_size=settings.SMTP_MAX_MESSAGE_SIZE,
            timeout=settings.SMTP_TIMEOUT_SECONDS,
            threads=max(1, threads),
        )
        asyncio.run(self._serve(server, cert_path))

    async def _serve(self, server: IngressServer, cert_path) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await server.start()
        for listener in server.bound:
            self.stdout.write(f"SMTP ingress listening on {listener}")
        self.stdout.write(f"TLS certificate: {cert_path}")
        self.stdout.flush()
        await stop.wait()
        self.stdout.write("SMTP ingress stopping")
        await server.stop()
