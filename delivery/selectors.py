"""Reads for delivery status: ``data/emailStatus`` and the console's 邮件状态 page share one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from delivery.models import Email, EmailStatus, Suppression, SuppressionKind
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params, format_time

MAX_RANGE_DAYS = 30

STATUS_TEXT = {
    EmailStatus.REQUESTING: "请求中",
    EmailStatus.DELIVERED: "送达",
    EmailStatus.SOFT_BOUNCE: "软退信",
    EmailStatus.INVALID: "无效邮件",
}

SUB_STATUS_TEXT = {
    401: "在SendCloud黑名单中",
    402: "已取消订阅",
    403: "收件人服务器不可达",
    404: "地址格式错误",
    405: "IP或域名被拒",
    406: "地址不存在",
    407: "垃圾邮件",
    408: "发件人或收件人被拒",
    409: "其他",
    503: "服务不可用",
    505: "IP或域名被拒",
    506: "邮箱不存在",
    507: "反垃圾拒信",
    508: "发件人或收件人被拒",
    509: "其他",
}


@dataclass
class EmailStatusQuery:
    start: date
    end: date
    email: str = ""  # an address, or a domain ("@example.com" or "example.com")
    email_ids: list[str] = field(default_factory=list)
    api_users: list[str] = field(default_factory=list)
    label_id: int | None = None
    status: int | None = None
    sub_statuses: list[int] = field(default_factory=list)
    email_type: int | None = None

    @classmethod
    def from_params(cls, params: Params) -> EmailStatusQuery:
        start, end = params.date_range(max_days=MAX_RANGE_DAYS, default_days=MAX_RANGE_DAYS)
        status = params.int("status", invalid_code=40902)
        if status is not None and status not in EmailStatus.values:
            raise ApiError(40902, f"status must be one of {sorted(EmailStatus.values)}", message="invalid status")
        try:
            sub_statuses = [int(item) for item in params.list("subStatus")]
        except ValueError:
            raise ApiError(40902, "subStatus must be a ; list of numbers", message="invalid subStatus") from None
        return cls(
            start=start,
            end=end,
            email=params.str("email"),
            email_ids=params.list("emailIds"),
            api_users=params.list("apiUserList"),
            label_id=params.int("labelId", invalid_code=40015),
            status=status,
            sub_statuses=sub_statuses,
        )


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def filtered_emails(*, account, query: EmailStatusQuery, with_status: bool = True) -> QuerySet[Email]:
    since, until = _day_bounds(query.start, query.end)
    emails = Email.objects.filter(account=account, created_at__gte=since, created_at__lt=until)
    if query.email:
        text = query.email.strip().lower()
        if "@" in text.lstrip("@"):
            emails = emails.filter(recipient__iexact=text)
        else:
            emails = emails.filter(recipient_domain=text.lstrip("@"))
    if query.email_ids:
        emails = emails.filter(email_id__in=query.email_ids)
    if query.api_users:
        emails = emails.filter(request__api_user__name__in=query.api_users)
    if query.label_id is not None:
        emails = emails.filter(request__label_id=query.label_id)
    if query.email_type is not None:
        emails = emails.filter(request__email_type=query.email_type)
    if with_status and query.status is not None:
        emails = emails.filter(status=query.status)
    if query.sub_statuses:
        emails = emails.filter(sub_status__in=query.sub_statuses)
    return emails


def email_status_page(*, account, query: EmailStatusQuery, start: int, limit: int) -> tuple[int, list[Email]]:
    emails = filtered_emails(account=account, query=query).select_related("request__api_user")
    total = emails.count()
    return total, list(emails.order_by("-created_at", "-id")[start : start + limit])


def status_counts(*, account, query: EmailStatusQuery) -> dict[int, int]:
    rows = filtered_emails(account=account, query=query, with_status=False).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in EmailStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def email_status_item(email: Email) -> dict:
    return {
        "emailId": email.email_id,
        "status": STATUS_TEXT[email.status],
        "statusCode": email.status,
        "subStatus": email.sub_status,
        "subStatusDesc": SUB_STATUS_TEXT.get(email.sub_status, "") if email.sub_status else "",
        "apiUser": email.request.api_user.name,
        "recipients": email.recipient,
        "labelId": email.request.label_id,
        "requestTime": format_time(email.created_at),
        "modifiedTime": format_time(email.updated_at),
        "sendLog": email.last_log,
    }


def mask_address(address: str) -> str:
    """``alice@example.com`` -> ``a***@example.com`` (sensitive-information masking)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def active_bounces(*, account, email: str = "", start: date | None = None, end: date | None = None):
    """The account's bounce-list entries still in force, newest first; by address or by bounce day."""
    now = timezone.now()
    rows = Suppression.objects.filter(account=account, kind=SuppressionKind.BOUNCE).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if email:
        rows = rows.filter(address__iexact=email)
    elif start is not None and end is not None:
        since, until = _day_bounds(start, end)
        rows = rows.filter(updated_at__gte=since, updated_at__lt=until)
    return rows.order_by("-updated_at", "-id")
