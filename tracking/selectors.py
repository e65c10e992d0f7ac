"""Reads of the tracking app: emails behind tokens, the unsubscribe list and the open/click log.

The Web API actions (``unsubscribe/list``, ``openandclick/list``) and the console pages share these
queries, so both always show the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from delivery.models import Email, Event, EventType, Suppression, SuppressionKind
from delivery.selectors import mask_address
from sendcloud.apiv2.params import format_time

TRACK_TYPES = {1: EventType.OPEN, 2: EventType.CLICK}  # openandclick/list trackType


def email_for_link(email_pk: int) -> Email | None:
    """The email a genuine token names (None when it no longer exists)."""
    return Email.objects.select_related("request__api_user", "account").filter(pk=email_pk).first()


def shown_address(*, account, address: str) -> str:
    """The address as the console shows it: masked unless the account turned masking off."""
    return mask_address(address) if account.mask_recipients else address


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


# --- unsubscribe list ---------------------------------------------------------------------------------


@dataclass
class UnsubscribeQuery:
    email: str = ""  # an exact address (case-insensitive); when set, the date range is ignored
    start: date | None = None
    end: date | None = None
    api_users: list[str] = field(default_factory=list)
    label_ids: list[int] = field(default_factory=list)
    search: str = ""  # console: part of an address


def unsubscribe_entries(*, account, query: UnsubscribeQuery) -> QuerySet[Suppression]:
    rows = Suppression.objects.filter(account=account, kind=SuppressionKind.UNSUBSCRIBE).select_related("api_user")
    if query.email:
        rows = rows.filter(address__iexact=query.email.strip())
    elif query.start is not None and query.end is not None:
        since, until = _day_bounds(query.start, query.end)
        rows = rows.filter(created_at__gte=since, created_at__lt=until)
    if query.search.strip():
        rows = rows.filter(address__icontains=query.search.strip())
    if query.api_users:
        rows = rows.filter(api_user__name__in=query.api_users)
    if query.label_ids:
        rows = rows.filter(label_id__in=query.label_ids)
    return rows.order_by("-created_at", "-id")


def access_unsubscribe(*, account, pk: int) -> Suppression:
    return get_object_or_404(Suppression, pk=pk, account=account, kind=SuppressionKind.UNSUBSCRIBE)


def unsubscribe_item(row: Suppression) -> dict:
    """One ``dataList`` entry of unsubscribe/list (and ``data`` of unsubscribe/add)."""
    return {
        "email": row.address,
        "domain": row.address.rpartition("@")[2],
        "labelId": row.label_id or 0,
        "apiUser": row.api_user.name if row.api_user else "",
        "unsubscribeTime": format_time(row.created_at),
    }


# --- opens and clicks -------------------------------------------------------------------------------


@dataclass
class TrackQuery:
    start: date
    end: date
    email: str = ""  # an address, or a domain ("@example.com" / "example.com") in the console
    events: list[int] = field(default_factory=lambda: [EventType.OPEN, EventType.CLICK])
    label_id: int | None = None
    api_users: list[str] = field(default_factory=list)


def tracking_events(*, account, query: TrackQuery) -> QuerySet[Event]:
    """Opens and clicks of the account's mail, newest first.  An address ignores the date range
    (as SendCloud's openandclick/list does); a domain filters within it."""
    rows = Event.objects.filter(account=account, event__in=query.events).select_related(
        "email", "request__api_user"
    )
    text = query.email.strip().lower()
    if text and "@" in text.lstrip("@"):
        rows = rows.filter(email__recipient__iexact=text)
    else:
        since, until = _day_bounds(query.start, query.end)
        rows = rows.filter(created_at__gte=since, created_at__lt=until)
        if text:
            rows = rows.filter(email__recipient_domain=text.lstrip("@"))
    if query.label_id is not None:
        rows = rows.filter(request__label_id=query.label_id)
    if query.api_users:
        rows = rows.filter(request__api_user__name__in=query.api_users)
    return rows.order_by("-created_at", "-id")


def openandclick_item(event: Event) -> dict:
    detail = event.detail or {}
    return {
        "trackType": 1 if event.event == EventType.OPEN else 2,
        "apiUser": event.request.api_user.name,
        "email": event.email.recipient if event.email else "",
        "emailId": event.email.email_id if event.email else "",
        "labelId": event.request.label_id or 0,
        "url": detail.get("url", "") if event.event == EventType.CLICK else "",
        "ip": detail.get("ip", ""),
        "currTime": format_time(event.created_at),
    }
