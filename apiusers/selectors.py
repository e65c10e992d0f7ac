"""Reads for API_USERs."""

from __future__ import annotations

from django.utils import timezone

from apiusers.models import ApiUser, DailyUsage


def quota_used_today(*, api_user: ApiUser) -> int:
    """Requests ``api_user`` has used today (today in settings.TIME_ZONE)."""
    row = DailyUsage.objects.filter(api_user=api_user, day=timezone.localdate()).values_list("used", flat=True).first()
    return row or 0
