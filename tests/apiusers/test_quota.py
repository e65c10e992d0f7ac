"""The daily request quota: consume_quota is one conditional upsert, correct under concurrency."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from apiusers import services
from apiusers.models import DailyUsage
from sendcloud.apiv2.errors import ApiError
from tests.factories import ApiUserFactory

pytestmark = pytest.mark.django_db


def test_consume_quota_counts_requests_of_today(api_user):
    api_user.daily_quota = 5
    assert services.quota_used_today(api_user=api_user) == 0
    services.consume_quota(api_user=api_user)
    services.consume_quota(api_user=api_user, count=3)
    assert services.quota_used_today(api_user=api_user) == 4
    row = DailyUsage.objects.get(api_user=api_user)
    assert (row.day, row.used) == (timezone.localdate(), 4)


def test_over_quota_is_refused_with_40904_and_writes_nothing(api_user):
    api_user.daily_quota = 5
    services.consume_quota(api_user=api_user, count=4)
    with pytest.raises(ApiError) as raised:
        services.consume_quota(api_user=api_user, count=2)
    assert raised.value.status_code == 40904
    assert raised.value.message == (
        "quota check failed. Request quota exceeded: the daily quota of this API_USER is 5 requests"
    )
    assert services.quota_used_today(api_user=api_user) == 4
    services.consume_quota(api_user=api_user)  # exactly up to the quota is fine
    assert services.quota_used_today(api_user=api_user) == 5
    with pytest.raises(ApiError):
        services.consume_quota(api_user=api_user)
    assert services.quota_used_today(api_user=api_user) == 5


def test_a_first_request_larger_than_the_quota_writes_no_row(api_user):
    api_user.daily_quota = 3
    with pytest.raises(ApiError) as raised:
        services.consume_quota(api_user=api_user, count=4)
    assert raised.value.status_code == 40904
    assert DailyUsage.objects.count() == 0


def test_unlimited_quota_still_counts(api_user):
    assert api_user.daily_quota is None
    services.consume_quota(api_user=api_user, count=1000)
    services.consume_quota(api_user=api_user, count=5)
    assert services.quota_used_today(api_user=api_user) == 1005


def test_usage_is_per_api_user_and_per_day_in_the_platform_time_zone(api_user, monkeypatch, settings):
    other = ApiUserFactory(account=api_user.account, domain=api_user.domain)
    api_user.daily_quota = other.daily_quota = 2
    # 2026-03-01 17:30 UTC is already 2026-03-02 01:30 in Asia/Shanghai.
    late_utc = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_utc)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    services.consume_quota(api_user=api_user, count=2)
    services.consume_quota(api_user=other)
    assert DailyUsage.objects.get(api_user=api_user).day == datetime.date(2026, 3, 2)
    next_day = late_utc + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: next_day)
    assert services.quota_used_today(api_user=api_user) == 0
    services.consume_quota(api_user=api_user, count=2)  # a new day, a new quota
    assert sorted(DailyUsage.objects.filter(api_user=api_user).values_list("day", "used")) == [
        (datetime.date(2026, 3, 2), 2),
        (datetime.date(2026, 3, 3), 2),
    ]
    assert next_day.astimezone(ZoneInfo("Asia/Shanghai")).date() == datetime.date(2026, 3, 3)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_exceed_the_quota():
    api_user = ApiUserFactory(daily_quota=25)
    threads_count, attempts_each = 8, 6  # 48 attempts for 25 units
    accepted, refused, errors = [], [], []
    start = threading.Barrier(threads_count)

    def worker():
        try:
            start.wait()
            for _ in range(attempts_each):
                try:
                    services.consume_quota(api_user=api_user)
                    accepted.append(1)
                except ApiError as error:
                    refused.append(error.status_code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(accepted) == 25
    assert refused == [40904] * 23
    assert services.quota_used_today(api_user=api_user) == 25
