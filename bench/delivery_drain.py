"""P1 and P7: pre-queue N emails (≈5 KB, DKIM RSA-2048, four recipient domains), then time Celery
workers draining them to a local SMTP sink (MX records served by BIND), each status committed.

P7 is the broker's memory for the queued jobs divided by the number of emails they carry.
"""

from __future__ import annotations

import json
import sys
import time

import redis

from bench.environment import free_port, start, stop

EMAILS = 2000
DOMAINS = 4
WORKER_PROCESSES = 4
TIMEOUT_SECONDS = 600


def main(env: dict[str, str]) -> dict[str, float]:
    from django.conf import settings
    from django.db.models import Max, Min

    from bench.environment import bench_sender
    from delivery import services
    from delivery.addresses import parse_mailbox
    from delivery.models import DeliveryAttempt, Email, EmailStatus
    from delivery.xsmtpapi import parse_json
    from sendcloud.celery import app as celery_app
    from tests.support.dns import DnsServer

    celery_app.control.purge()
    dns = DnsServer(("example.test",))
    dns.start()
    sink_port = free_port()
    for n in range(DOMAINS):
        dns.add(f"rcpt{n}.example.test", "MX", f"10 mx.rcpt{n}.example.test")
        dns.add(f"mx.rcpt{n}.example.test", "A", "127.0.0.1")
    worker_env = {**env, "DNS_NAMESERVERS": f"127.0.0.1:{dns.port}", "DELIVERY_PORT": str(sink_port),
                  "DELIVERY_SANDBOX": "false"}
    sink = start([sys.executable, "-m", "bench.sink", "--port", str(sink_port)], worker_env, "sink")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        api_user, _key = bench_sender()
        html = "<p>Hello %n%</p>" + "<p>" + "Lorem ipsum dolor sit amet. " * 170 + "</p>"
        for start_index in range(0, EMAILS, 100):
            to = [f"r{i}@rcpt{i % DOMAINS}.example.test" for i in range(start_index, start_index + 100)]
            message = services.OutgoingMessage(
                sender=parse_mailbox(f"bench@{api_user.domain.name}"), subject="Drain %n%", html=html,
                xsmtpapi=parse_json(json.dumps({"to": to, "sub": {"%n%": list(range(100))}})),
            )
            services.accept(api_user=api_user, message=message)
        queued_bytes = broker.memory_usage("celery") or 0
        queued_jobs = broker.llen("celery")
        pks = list(Email.objects.filter(request__api_user=api_user).values_list("pk", flat=True))

        worker = start([sys.executable, "-m", "celery", "-A", "sendcloud", "worker", "--pool", "prefork",
                        "--concurrency", str(WORKER_PROCESSES), "--loglevel", "WARNING"], worker_env, "worker")
        try:
            deadline = time.monotonic() + TIMEOUT_SECONDS
            pending = EMAILS
            while time.monotonic() < deadline:
                pending = Email.objects.filter(pk__in=pks, status=EmailStatus.REQUESTING).count()
                if pending == 0:
                    break
                time.sleep(0.5)
        finally:
            stop(worker)
        delivered = Email.objects.filter(pk__in=pks, status=EmailStatus.DELIVERED).count()
        first = DeliveryAttempt.objects.filter(email_id__in=pks).aggregate(Min("started_at"))["started_at__min"]
        last = Email.objects.filter(pk__in=pks).aggregate(Max("updated_at"))["updated_at__max"]
    finally:
        stop(sink)
        dns.stop()
        celery_app.control.purge()
    seconds = (last - first).total_seconds() if first and last else float("nan")
    rate = delivered / seconds if seconds else float("nan")
    per_email = queued_bytes / EMAILS
    print(f"P1 backlog drain: {delivered:,}/{EMAILS:,} delivered in {seconds:.1f} s = {rate:,.0f} msg/s "
          f"({WORKER_PROCESSES} worker processes, DKIM RSA-2048, ~5 KB, {DOMAINS} recipient domains, "
          f"status committed); still pending: {pending}")
    print(f"P7 broker memory: {queued_bytes:,} B for {queued_jobs} queued jobs carrying {EMAILS:,} emails "
          f"= {per_email:,.1f} B per email")
    return {"p1_msgs_per_s": rate, "p7_bytes_per_email": per_email}


if __name__ == "__main__":
    from bench.environment import configure

    main(configure())
