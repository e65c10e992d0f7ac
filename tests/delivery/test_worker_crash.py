"""R1: a worker killed with SIGKILL mid-delivery loses nothing and delivers nothing twice."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from delivery import engine
from delivery.models import DeliveryAttempt, Email, EmailStatus
from tests.delivery.helpers import sender_of

ROOT = Path(__file__).resolve().parents[2]
WORKER = "import django; django.setup(); from delivery.engine import deliver_batch; deliver_batch([{pk}])"


@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_a_lease_that_expires_and_the_email_is_delivered_once(
    api_client, api_user, smtp_sink, dns_server
):
    smtp_sink.handler.slow_seconds = 60
    body = api_client("mail/send", {"from": sender_of(api_user), "to": "slow-crash@rcpt.example.test",
                                    "subject": "Crash", "plain": "x"})
    email_row = Email.objects.get(email_id=body["info"]["emailIdList"][0])

    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DNS_NAMESERVERS": ",".join(str(ns) for ns in settings.DNS_NAMESERVERS),
        "DELIVERY_PORT": str(settings.DELIVERY_PORT),
        "DELIVERY_SANDBOX": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "sendcloud.settings",
    }
    worker = subprocess.Popen([sys.executable, "-c", WORKER.format(pk=email_row.pk)], cwd=ROOT, env=env)
    try:
        assert smtp_sink.handler.slow_started.wait(timeout=60), "the worker never reached the sink"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    email_row.refresh_from_db()
    assert email_row.status == EmailStatus.REQUESTING
    assert email_row.lease_until > timezone.now()  # the dead worker's claim is still there...
    assert engine.claim([email_row.pk]) == []  # ...so nobody else takes the email yet
    assert DeliveryAttempt.objects.count() == 0

    smtp_sink.handler.slow_seconds = 0
    Email.objects.filter(pk=email_row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))  # expired
    engine.deliver_batch([email_row.pk])
    email_row.refresh_from_db()
    assert email_row.status == EmailStatus.DELIVERED
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["slow-crash@rcpt.example.test"]]
    assert DeliveryAttempt.objects.filter(email=email_row).count() == 1
