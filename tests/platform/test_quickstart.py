"""The embedded default (SQLite + filesystem broker, no PostgreSQL/Redis) starts and stops as a whole."""

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_runplatform_on_the_embedded_default_serves_healthz_and_stops_on_ctrl_c(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env["SENDCLOUD_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    created = subprocess.run(
        [*manage, "createaccount", "--email", "first@example.com", "--password", "S3cure-pass!"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["email"] == "first@example.com"

    port, smtp_port = free_port(), free_port()
    env["SMTP_LISTEN"] = f"127.0.0.1:{smtp_port}"
    platform = subprocess.Popen(
        [*manage, "runplatform", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        report = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    report = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert report == {"ok": True, "database": {"ok": True, "detail": "ok"}, "broker": {"ok": True, "detail": "ok"}}
        assert (tmp_path / "sendcloud.sqlite3").exists()
        smtp = _smtp_greeting(smtp_port)
        assert smtp[0] == 250  # the ingress answers NOOP after its 220 greeting
    finally:
        platform.send_signal(signal.SIGINT)
        output, _ = platform.communicate(timeout=30)
    assert "Console and Web API: http://127.0.0.1:" in output
    assert f"SMTP ingress: 127.0.0.1:{smtp_port}" in output
    assert platform.returncode == 0


def _smtp_greeting(port: int) -> tuple[int, bytes]:
    deadline = time.monotonic() + 30
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                return smtp.noop()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
