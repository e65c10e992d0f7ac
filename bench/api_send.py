"""P3/P4: /apiv2/mail/send through gunicorn on PostgreSQL + Redis, driven by wrk on the same machine.

Prints requests/s and latency percentiles for one recipient (at low and at high concurrency), and
recipients/s for 100 recipients per request via xsmtpapi.to.  Every accepted request is committed to
PostgreSQL and its jobs handed to Redis before the answer, as in production (no worker drains them
here; the queue is purged at the end).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bench.environment import free_port, start_web, stop

DURATION = "10s"


def _lua(body: str) -> str:
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f"wrk.body = {json.dumps(body)}\n"
    )


def _run_wrk(url: str, body: str, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(body))
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", DURATION, "--latency", "-s", script.name, url],
        capture_output=True, text=True, check=True,
    )
    Path(script.name).unlink()
    output = result.stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for label in ("50%", "99%"):
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output)
        value, unit = float(match.group(1)), match.group(2)
        figures[label] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non2xx"] = int(errors.group(1)) if errors else 0
    return figures


def main(env: dict[str, str]) -> dict[str, float]:
    from bench.environment import bench_sender
    from delivery.models import SendRequest
    from sendcloud.celery import app as celery_app

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    api_user, api_key = bench_sender()
    port = free_port()
    web = start_web(env, port)
    url = f"http://127.0.0.1:{port}/apiv2/mail/send"
    html = "<p>" + "x" * 5000 + "</p>"
    common = {"apiUser": api_user.name, "apiKey": api_key, "from": f"bench@{api_user.domain.name}",
              "subject": "Bench", "html": html}
    one = urlencode({**common, "to": "rcpt@rcpt.example.test"})
    hundred = urlencode({**common, "xsmtpapi": json.dumps(
        {"to": [f"r{i}@rcpt{i % 4}.example.test" for i in range(100)], "sub": {"%n%": list(range(100))}})})
    figures = {}
    try:
        before = SendRequest.objects.count()
        low = _run_wrk(url, one, connections=4)
        high = _run_wrk(url, one, connections=32)
        bulk = _run_wrk(url, hundred, connections=8)
        accepted = SendRequest.objects.count() - before
    finally:
        stop(web)
        celery_app.control.purge()
    print(f"P3 mail/send, 1 recipient, 4 connections: {low['rps']:,.0f} req/s, p50 {low['50%']:.1f} ms, "
          f"p99 {low['99%']:.1f} ms")
    print(f"P3 mail/send, 1 recipient, 32 connections (peak): {high['rps']:,.0f} req/s, p50 {high['50%']:.1f} ms, "
          f"p99 {high['99%']:.1f} ms")
    print(f"P4 mail/send, 100 recipients via xsmtpapi.to, 8 connections: {bulk['rps'] * 100:,.0f} recipients/s "
          f"({bulk['rps']:,.1f} req/s, p50 {bulk['50%']:.0f} ms, p99 {bulk['99%']:.0f} ms)")
    print(f"    requests committed during the runs: {accepted:,}; non-2xx answers: "
          f"{low['non2xx'] + high['non2xx'] + bulk['non2xx']}")
    figures.update({"p3_low_rps": low["rps"], "p3_low_p50_ms": low["50%"], "p3_low_p99_ms": low["99%"],
                    "p3_peak_rps": high["rps"], "p4_recipients_per_s": bulk["rps"] * 100})
    return figures


if __name__ == "__main__":
    from bench.environment import configure

    main(configure())
