"""Start every process of the platform and stop them all together (Ctrl-C).

The process table below is the platform's shape on one machine: the web console and Web API, the
SMTP ingress, the Celery worker and beat.  Each process is the same command a production deployment
runs (see docker-compose.yml), so nothing here is special to the quick start except the bind address.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 10


def process_table(bind: str) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "sendcloud"]
    return {
        "web": [python, "-m", "gunicorn", "sendcloud.wsgi", "--bind", bind, "--workers", "2", "--threads", "4"],
        "worker": [*celery, "worker", "--loglevel", "INFO", "--pool", "threads", "--concurrency", "4"],
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        "smtp": [python, str(settings.BASE_DIR / "manage.py"), "smtpd"],
    }


class Command(BaseCommand):
    help = "Run the web console/API, the SMTP ingress, the Celery worker and beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, bind: str, **options):
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in process_table(bind).items():
            children[name] = subprocess.Popen(command)
        self.stdout.write(self._banner(bind))
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"process {name} exited with status {child.returncode}; stopping the platform")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.5)
        self._stop_all(children)
        sys.exit(exit_code)

    def _banner(self, bind: str) -> str:
        database = "SQLite file in var/" if settings.EMBEDDED else "PostgreSQL (DATABASE_URL)"
        broker = "Redis (REDIS_URL)" if settings.REDIS_URL else "embedded filesystem broker in var/"
        return (
            "\nThe platform is running.\n"
            f"  Console and Web API: http://{bind}/\n"
            f"  SMTP ingress: {', '.join(str(listen) for listen in settings.SMTP_LISTEN)}\n"
            f"  Database: {database}; broker: {broker}\n"
            "  Create an account in the browser (Register), or with:\n"
            "    .venv/bin/python manage.py createaccount --email you@example.com --password 'S3cure-pass!'\n"
            "  Press Ctrl-C to stop every process.\n"
        )

    @staticmethod
    def _stop_all(children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
