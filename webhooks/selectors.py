"""Reads of the webhooks app, always scoped to one account."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from apiusers.models import ApiUser
from webhooks.models import Attempt, DeliveryStatus, Webhook, WebhookDelivery


def list_webhooks(*, account: User, url: str = "", api_user: ApiUser | None = None, all_only: bool = False,
                  events: list[str] | None = None) -> list[Webhook]:
    """The account's webhooks; ``events`` keeps those subscribed to at least one of them."""
    rows = Webhook.objects.filter(account=account).select_related("api_user").order_by("id")
    if url:
        rows = rows.filter(url=url)
    if api_user is not None:
        rows = rows.filter(api_user=api_user)
    elif all_only:
        rows = rows.filter(api_user__isnull=True)
    hooks = list(rows)
    if events:
        wanted = set(events)
        hooks = [hook for hook in hooks if wanted & set(hook.events)]
    return hooks


def find_webhook(*, account: User, url: str, api_user: ApiUser | None) -> Webhook | None:
    return Webhook.objects.filter(account=account, url=url, api_user=api_user).select_related("api_user").first()


def access_webhook(*, account: User, pk: int) -> Webhook:
    """The account's webhook ``pk``, or 404 (another account's webhook is not found either)."""
    return get_object_or_404(Webhook.objects.select_related("api_user", "account"), account=account, pk=pk)


def console_webhooks(*, account: User) -> QuerySet[Webhook]:
    """Webhooks with counts of what failed or was missed (the console's list)."""
    return (
        Webhook.objects.filter(account=account)
        .select_related("api_user")
        .annotate(
            missed_count=Count("deliveries", filter=Q(deliveries__status__in=[DeliveryStatus.FAILED,
                                                                              DeliveryStatus.MISSED])),
            pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        )
        .order_by("id")
    )


def recent_deliveries(*, webhook: Webhook, status: str = "", limit: int = 100) -> list[WebhookDelivery]:
    rows = WebhookDelivery.objects.filter(webhook=webhook).select_related("email", "request")
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-event_id")[:limit])


def recent_attempts(*, webhook: Webhook, limit: int = 100) -> list[Attempt]:
    return list(Attempt.objects.filter(webhook=webhook).select_related("delivery").order_by("-started_at", "-id")[:limit])


def replayable_count(*, webhook: Webhook) -> int:
    return WebhookDelivery.objects.filter(
        webhook=webhook, status__in=[DeliveryStatus.FAILED, DeliveryStatus.MISSED]
    ).count()


def account_api_users(*, account: User) -> QuerySet[ApiUser]:
    return ApiUser.objects.filter(account=account).order_by("name")
