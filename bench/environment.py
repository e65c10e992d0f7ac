"""The benchmark's own platform: a separate PostgreSQL database and Redis db, a DNS server (BIND) for
recipient domains, and helpers to start gunicorn, Celery workers and a counting SMTP sink."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sendcloud_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure(**extra: str) -> dict[str, str]:
    """Environment for the benchmark's processes (this one included) and Django set up in-process."""
    env = {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "DELIVERY_SANDBOX": "false",
        "DJANGO_SETTINGS_MODULE": "sendcloud.settings",
        "SENDCLOUD_VAR_DIR": str(ROOT / "var" / "bench"),
        **extra,
    }
    os.environ.update(env)
    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {**os.environ}


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_sender(*, with_dkim: bool = True):
    """An account, a verified domain with an RSA-2048 DKIM key, and a trigger API_USER: (api_user, api_key)."""
    import secrets

    from accounts.models import User
    from apiusers.credentials import hash_api_key
    from apiusers.models import ApiUser
    from domains import dkim
    from domains.models import Domain

    suffix = secrets.token_hex(4)
    account = User.objects.create_user(f"bench-{suffix}@example.com", "Bench-pass-1", is_active=True)
    key = dkim.generate()
    domain = Domain.objects.create(
        account=account, name=f"bench-{suffix}.example.test", status="verified",
        dkim_selector=key.selector if with_dkim else "", dkim_public_key=key.public_key,
        dkim_private_key_encrypted=key.private_key_encrypted if with_dkim else "",
    )
    api_key = f"bench-key-{suffix}"
    api_user = ApiUser.objects.create(account=account, name=f"bench_{suffix}", domain=domain,
                                      key_hash=hash_api_key(api_key))
    return api_user, api_key


def start(command: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen:
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{log_name}.log", "wb")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_web(env: dict[str, str], port: int, workers: int = 4) -> subprocess.Popen:
    process = start([sys.executable, "-m", "gunicorn", "sendcloud.wsgi", "--bind", f"127.0.0.1:{port}",
                     "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning"], env, "web")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start: see var/bench/web.log")


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
