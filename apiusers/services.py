"""Writes for API_USERs: creation, keys, settings and the daily request quota."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from apiusers.models import ApiUser, DailyUsage
from apiusers.selectors import quota_used_today as quota_used_today  # part of this module's interface
from sendcloud.apiv2.errors import ApiError

QUOTA_EXCEEDED = 40904


def consume_quota(*, api_user: ApiUser, count: int = 1) -> None:
    """Add ``count`` requests to today's usage of ``api_user``, or refuse with 40904 writing nothing.

    One statement decides and writes: ``INSERT ... ON CONFLICT DO UPDATE ... WHERE used + n <= quota``
    either inserts today's row, or adds to it only while the sum stays within the quota (the row
    lock taken by the upsert serialises concurrent callers), or touches nothing and returns no row.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    quota = api_user.daily_quota
    day = timezone.localdate()
    if quota is not None and count > quota:
        raise _quota_exceeded(quota)
    table = connection.ops.quote_name(DailyUsage._meta.db_table)
    limit = "" if quota is None else f" WHERE {table}.used + EXCLUDED.used <= %s"
    sql = (
        f"INSERT INTO {table} (api_user_id, day, used) VALUES (%s, %s, %s)"
        f" ON CONFLICT (api_user_id, day) DO UPDATE SET used = {table}.used + EXCLUDED.used{limit}"
        " RETURNING used"
    )
    values = [api_user.pk, day, count] + ([] if quota is None else [quota])
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        written = cursor.fetchone()
    if written is None:
        raise _quota_exceeded(quota)


def _quota_exceeded(quota: int) -> ApiError:
    return ApiError(QUOTA_EXCEEDED, f"Request quota exceeded: the daily quota of this API_USER is {quota} requests")
