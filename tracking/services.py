"""Writes of the tracking app: open, click and unsubscribe events, and the unsubscribe list.

Events go through ``delivery.events.record`` (one event table, one vocabulary).  The first open and
the first click of an email carry ``detail["unique"] = True``: the email row is locked while that is
decided, so two simultaneous opens cannot both be first.  An unsubscribe puts the address on the
account's suppression list (``Suppression`` of kind unsubscribe), which ``delivery`` honours on
every later send (the email becomes invalid with sub-status 402).
"""

from __future__ import annotations

from django.db import transaction

from apiusers.models import ApiUser
from apiusers.services import update_settings
from delivery.events import record
from delivery.models import Email, Event, EventType, Suppression, SuppressionKind
from tracking.clients import Client


def _record_tracked(*, email: Email, event: int, client: Client, extra: dict) -> Event:
    with transaction.atomic():
        Email.objects.select_for_update().filter(pk=email.pk).values_list("pk", flat=True).first()
        first = not Event.objects.filter(email_id=email.pk, event=event).exists()
        detail = {**client.detail(), **extra, "unique": first}
        return record(account_id=email.account_id, request_id=email.request_id, email=email, event=event,
                      detail=detail)


def record_open(*, email: Email, client: Client) -> Event:
    return _record_tracked(email=email, event=EventType.OPEN, client=client, extra={})


def record_click(*, email: Email, client: Client, url: str, link_index: int) -> Event:
    return _record_tracked(email=email, event=EventType.CLICK, client=client,
                           extra={"url": url, "linkIndex": link_index})


def is_unsubscribed(*, email: Email) -> bool:
    return Suppression.objects.filter(
        account_id=email.account_id, address=email.recipient, kind=SuppressionKind.UNSUBSCRIBE
    ).exists()


def unsubscribe_email(*, email: Email, client: Client, source: str, reason: str = "") -> bool:
    """The recipient of ``email`` unsubscribes (page or one-click).  Returns True when the address
    was added now; an address already on the list stays as it is and no second event is recorded."""
    request = email.request
    with transaction.atomic():
        _row, created = Suppression.objects.get_or_create(
            account_id=email.account_id,
            address=email.recipient,
            kind=SuppressionKind.UNSUBSCRIBE,
            defaults={"api_user_id": request.api_user_id, "label_id": request.label_id, "reason": reason},
        )
        if created:
            record(account_id=email.account_id, request_id=email.request_id, email=email,
                   event=EventType.UNSUBSCRIBE,
                   detail={**client.detail(), "source": source, "reason": reason})
    return created


def add_unsubscribe(*, account, address: str, api_user: ApiUser | None, reason: str = "") -> tuple[Suppression, bool]:
    """Put ``address`` on the account's unsubscribe list (``unsubscribe/add``, the console).  An address
    already there is returned unchanged.  No event: nobody unsubscribed from a particular email."""
    row, created = Suppression.objects.get_or_create(
        account=account,
        address=address,
        kind=SuppressionKind.UNSUBSCRIBE,
        defaults={"api_user": api_user, "reason": reason},
    )
    return row, created


def delete_unsubscribes(*, entries) -> int:
    """Remove the given entries (a queryset already scoped to one account); returns how many."""
    deleted, _ = Suppression.objects.filter(
        pk__in=list(entries.values_list("pk", flat=True)), kind=SuppressionKind.UNSUBSCRIBE
    ).delete()
    return deleted


def set_unsubscribe_page(*, api_user: ApiUser, url: str) -> None:
    """退订设置: the API_USER's unsubscribe links lead to ``url`` ("" = the platform's page).
    The rules (an http(s) URL) are apiusers' own; everything else about the API_USER is kept."""
    update_settings(
        api_user=api_user,
        open_tracking=api_user.open_tracking,
        click_tracking=api_user.click_tracking,
        unsubscribe_tracking=api_user.unsubscribe_tracking,
        unsubscribe_page_url=url,
        sender_address=api_user.sender_address,
        sender_name=api_user.sender_name,
        tracking_domain_id=api_user.tracking_domain_id,
    )
