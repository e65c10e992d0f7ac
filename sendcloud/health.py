"""Reachability of the database and the Celery broker, for /healthz."""

from __future__ import annotations

from django.db import connection

from sendcloud.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as error:  # any driver error means "down"
        return False, str(error).strip() or error.__class__.__name__


def broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return True, "ok"
    except Exception as error:
        return False, str(error).strip() or error.__class__.__name__


def check() -> dict:
    db_up, db_detail = database_ok()
    broker_up, broker_detail = broker_ok()
    return {
        "ok": db_up and broker_up,
        "database": {"ok": db_up, "detail": db_detail},
        "broker": {"ok": broker_up, "detail": broker_detail},
    }
