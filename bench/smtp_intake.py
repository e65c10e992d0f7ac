"""Benchmark: durable SMTP intake (targets.md P2) against a running SMTP listener of the platform.

Every message counted was answered ``250 #<messageId>#Queued``, i.e. it was committed to the database
before the reply.  Each connection does EHLO, STARTTLS, EHLO, AUTH PLAIN (API_USER / API_KEY), then its
messages (~5 KB: multipart/alternative plain + HTML), then QUIT.  Two phases are run: 10 messages per
connection and 1 message per connection; each prints messages/s.  ``--clients`` concurrent clients
run in separate processes (so the client side does not share one Python interpreter lock).

Run the listener first, e.g. on your own database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/8 \\
        SMTP_LISTEN=127.0.0.1:2526 .venv/bin/python manage.py smtpd

Credentials: use an existing API_USER, or let this script create a benchmark account with a verified
domain ``bench.example.test`` and an API_USER in that same database (prints --api-user/--api-key/--from):

    DATABASE_URL=... .venv/bin/python bench/smtp_intake.py setup

Then:

    .venv/bin/python bench/smtp_intake.py run --host 127.0.0.1 --port 2526 \\
        --api-user bench_smtp --api-key KEY --from news@bench.example.test \\
        [--to bench@rcpt.example.test] [--clients 8] [--messages 2000] [--runs 3] [--cafile var/smtp-tls/cert.pem]

Accepted mail is queued for delivery like any other (Celery jobs in REDIS_URL): run it against a
database and broker meant for benchmarks, and purge that broker afterwards
(``.venv/bin/celery -A sendcloud purge -f``) if no worker is meant to deliver it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import smtplib
import ssl
import statistics
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

QUEUED = re.compile(r"^#[^#]+#Queued$")
ROOT = Path(__file__).resolve().parent.parent


def build_message(sender: str, recipient: str, size: int = 5000) -> bytes:
    """A multipart/alternative message of about ``size`` bytes."""
    sentence = "The quick brown fox jumps over the lazy dog while the benchmark keeps counting. "
    plain = (sentence * (size // (2 * len(sentence)) + 1))[: size // 2 - 300]
    html = "<html><body><p>" + plain.replace(". ", ".</p><p>")[: size // 2 - 400] + "</p></body></html>"
    message = EmailMessage()
    message["From"] = f"Benchmark <{sender}>"
    message["To"] = recipient
    message["Subject"] = "SMTP intake benchmark"
    message["SC-Custom-Bench"] = "1"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=SMTP)  # CRLF line ends: smtplib sends bytes as they are


def _client(job: dict) -> tuple[int, int]:
    """One concurrent client: ``connections`` sessions of ``per_connection`` messages; (ok, errors)."""
    context = ssl.create_default_context(cafile=job["cafile"]) if job["cafile"] else ssl._create_unverified_context()
    context.check_hostname = False
    ok = errors = 0
    for _ in range(job["connections"]):
        try:
            with smtplib.SMTP(job["host"], job["port"], timeout=60) as client:
                client.ehlo("bench.client")
                client.starttls(context=context)
                client.ehlo("bench.client")
                client.login(job["api_user"], job["api_key"])
                for _ in range(job["per_connection"]):
                    client.mail(job["sender"])
                    client.rcpt(job["recipient"])
                    code, reply = client.data(job["data"])
                    if code == 250 and QUEUED.match(reply.decode()):
                        ok += 1
                    else:
                        errors += 1
                        if errors <= 3:
                            print(f"  unexpected reply: {code} {reply!r}", file=sys.stderr)
        except (smtplib.SMTPException, OSError) as error:
            errors += job["per_connection"]
            print(f"  session failed: {error!r}", file=sys.stderr)
    return ok, errors


def run_phase(args, *, per_connection: int, data: bytes) -> tuple[int, int, float]:
    connections = max(1, args.messages // per_connection)
    shares = [connections // args.clients + (1 if n < connections % args.clients else 0) for n in range(args.clients)]
    jobs = [
        {
            "host": args.host, "port": args.port, "api_user": args.api_user, "api_key": args.api_key,
            "sender": args.sender, "recipient": args.to, "data": data, "cafile": args.cafile,
            "connections": share, "per_connection": per_connection,
        }
        for share in shares
        if share
    ]
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        started = time.perf_counter()
        results = pool.map(_client, jobs)
        elapsed = time.perf_counter() - started
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


def run(args) -> None:
    data = build_message(args.sender, args.to)
    print(f"SMTP intake: {args.host}:{args.port}, {args.clients} concurrent clients, STARTTLS + AUTH PLAIN, "
          f"{len(data)}-byte messages, {args.messages} messages per phase, {args.runs} run(s)")
    for per_connection in (10, 1):
        rates = []
        for number in range(1, args.runs + 1):
            ok, errors, elapsed = run_phase(args, per_connection=per_connection, data=data)
            rate = ok / elapsed if elapsed else 0.0
            rates.append(rate)
            print(f"  {per_connection:>2} per connection, run {number}: {ok} queued, {errors} errors, "
                  f"{elapsed:.2f} s -> {rate:.0f} msg/s")
        label = "messages per connection" if per_connection > 1 else "message per connection"
        print(f"{per_connection} {label}: median {statistics.median(rates):.0f} msg/s")


def setup() -> None:
    """Create (or reuse) a benchmark account, verified domain and API_USER in DATABASE_URL's database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendcloud.settings")
    import django

    django.setup()
    from accounts.models import User
    from apiusers.credentials import hash_api_key
    from apiusers.models import ApiUser
    from domains.models import Domain

    account, _ = User.objects.get_or_create(email="bench@bench.example.test", defaults={"is_active": True})
    domain, _ = Domain.objects.get_or_create(account=account, name="bench.example.test",
                                             defaults={"status": "verified"})
    api_key = secrets.token_urlsafe(24)
    ApiUser.objects.update_or_create(name="bench_smtp", defaults={
        "account": account, "domain": domain, "key_hash": hash_api_key(api_key), "daily_quota": None,
    })
    print(f"--api-user bench_smtp --api-key {api_key} --from news@bench.example.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="create a benchmark API_USER in DATABASE_URL's database")
    bench = commands.add_parser("run", help="run the benchmark against a listener")
    bench.add_argument("--host", default="127.0.0.1")
    bench.add_argument("--port", type=int, default=2525)
    bench.add_argument("--api-user", required=True)
    bench.add_argument("--api-key", required=True)
    bench.add_argument("--from", dest="sender", required=True, help="an address on the API_USER's domain")
    bench.add_argument("--to", default="bench@rcpt.example.test")
    bench.add_argument("--clients", type=int, default=8)
    bench.add_argument("--messages", type=int, default=2000, help="messages per phase and run")
    bench.add_argument("--runs", type=int, default=1)
    bench.add_argument("--cafile", help="verify the listener's certificate against this file")
    args = parser.parse_args()
    if args.command == "setup":
        setup()
    else:
        run(args)


if __name__ == "__main__":
    main()
