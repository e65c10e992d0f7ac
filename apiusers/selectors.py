"""Reads for API_USERs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from apiusers.models import ApiUser, DailyUsage
from domains.models import Domain, TrackingDomain


def quota_used_today(*, api_user: ApiUser) -> int:
    """Requests ``api_user`` has used today (today in settings.TIME_ZONE)."""
    row = DailyUsage.objects.filter(api_user=api_user, day=timezone.localdate()).values_list("used", flat=True).first()
    return row or 0


def list_api_users(
    *,
    account: User,
    email_type: int | None = None,
    is_test: bool | None = None,
    domain_name: str = "",
) -> QuerySet[ApiUser]:
    api_users = ApiUser.objects.filter(account=account).select_related("domain", "tracking_domain")
    if email_type is not None:
        api_users = api_users.filter(email_type=email_type)
    if is_test is not None:
        api_users = api_users.filter(is_test=is_test)
    if domain_name:
        api_users = api_users.filter(domain__name=domain_name.strip().lower())
    return api_users.order_by("id")


def access_api_user(*, account: User, pk: int) -> ApiUser:
    """The account's API_USER ``pk``, or 404 (another account's API_USER is not found either)."""
    return get_object_or_404(ApiUser.objects.select_related("domain"), account=account, pk=pk)


def account_domains(*, account: User) -> QuerySet[Domain]:
    """The domains an API_USER of ``account`` could be bound to, bindable ones first."""
    return Domain.objects.filter(account=account).order_by("-is_test", "name")


def account_tracking_domains(*, account: User) -> QuerySet[TrackingDomain]:
    """The account's custom tracking domains (only verified ones can be chosen for an API_USER)."""
    return TrackingDomain.objects.filter(account=account).order_by("name")
