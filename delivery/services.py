"""Accepting mail: the one service behind ``mail/send``, ``mail/sendtemplate`` and the SMTP ingress.

Everything is checked before anything is written; the request, its content, its attachments and one
row per email are then written in the caller's transaction, and the delivery jobs are enqueued only
after that transaction commits (``transaction.on_commit``), carrying email ids, never bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apiusers.models import ApiUser
from apiusers.services import consume_quota
from delivery import identifiers
from delivery.addresses import Mailbox
from delivery.events import record_many
from delivery.models import (
    Attachment,
    Email,
    EmailStatus,
    Event,
    EventType,
    RecipientRole,
    SendRequest,
    SendRequestKey,
    Source,
    Suppression,
    SuppressionKind,
)
from delivery.xsmtpapi import XSmtpApi
from sendcloud.apiv2.errors import ApiError
from templates_app.rendering import recipient_variables
from templates_app.selectors import access_label
from templates_app.services import get_or_create_label

SEND_REQUEST_WINDOW = timedelta(hours=1)
MAX_ATTACHMENT_BYTES = 10_485_760
SUPPRESSED_UNSUBSCRIBED = 402  # sub-status: unsubscribed
SUPPRESSED_BLACKLIST = 401  # sub-status: in the platform's blacklist (bounce, spam report, block list)


@dataclass
class AttachmentData:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""


@dataclass
class OutgoingMessage:
    """A message to accept, independent of whether it came over the Web API or SMTP."""

    sender: Mailbox
    subject: str
    html: str = ""
    plain: str = ""
    to: list[Mailbox] = field(default_factory=list)
    cc: list[Mailbox] = field(default_factory=list)
    bcc: list[Mailbox] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    content_summary: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[AttachmentData] = field(default_factory=list)
    xsmtpapi: XSmtpApi | None = None
    label_id: int | None = None
    label_name: str = ""
    send_request_id: str = ""
    use_notification: bool = False
    template_invoke_name: str = ""
    raw_variables: list[str] = field(default_factory=list)
    raw_mime: bytes | None = None


@dataclass
class Recipient:
    mailbox: Mailbox
    role: str
    variables: dict


def plan_recipients(message: OutgoingMessage) -> list[Recipient]:
    """xsmtpapi.to: one copy each with its own variables; otherwise one shared message to to+cc+bcc."""
    x = message.xsmtpapi
    if x is not None and x.to:
        return [
            Recipient(mailbox, RecipientRole.INDIVIDUAL, _variables(x, index)) for index, mailbox in enumerate(x.to)
        ]
    shared = _variables(x, 0) if x is not None and (x.pubsub or x.sub) else {}
    return [
        *(Recipient(m, RecipientRole.TO, shared) for m in message.to),
        *(Recipient(m, RecipientRole.CC, shared) for m in message.cc),
        *(Recipient(m, RecipientRole.BCC, shared) for m in message.bcc),
    ]


def _variables(x: XSmtpApi, index: int) -> dict:
    try:
        return recipient_variables(index=index, sub=x.sub, pubsub=x.pubsub, section=x.section)
    except ValueError as error:
        raise ApiError(40817, str(error)) from None


def _check_sender(api_user: ApiUser, message: OutgoingMessage) -> None:
    domain = api_user.domain
    if message.sender.domain != domain.name:
        raise ApiError(
            40802, f"from {message.sender.address} must be an address on the API_USER's domain {domain.name}"
        )
    if not domain.can_send:
        raise ApiError(40802, f"the domain {domain.name} is not verified")


def _check_attachments(message: OutgoingMessage) -> None:
    total = sum(len(item.data) for item in message.attachments)
    if total > MAX_ATTACHMENT_BYTES:
        raise ApiError(40819, f"{total} bytes")


def suppressed_addresses(account, addresses: list[str]) -> dict[str, int]:
    """address -> the invalid sub-status it gets, for addresses on one of the account's lists."""
    now = timezone.now()
    rows = Suppression.objects.filter(account=account, address__in=addresses).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    result: dict[str, int] = {}
    for row in rows:
        code = SUPPRESSED_UNSUBSCRIBED if row.kind == SuppressionKind.UNSUBSCRIBE else SUPPRESSED_BLACKLIST
        result[row.address] = min(code, result.get(row.address, code))
    return result


def _claim_send_request_id(account, key: str) -> None:
    """Record ``sendRequestId``; a repeat within the window is 40000.  Concurrent repeats serialise on
    the unique index: the second waits for the first transaction and then fails."""
    now = timezone.now()
    SendRequestKey.objects.filter(account=account, key=key, created_at__lt=now - SEND_REQUEST_WINDOW).delete()
    try:
        with transaction.atomic():
            SendRequestKey.objects.create(account=account, key=key, created_at=now)
    except IntegrityError:
        raise ApiError(40000, f"sendRequestId {key}") from None


def _resolve_label(account, message: OutgoingMessage):
    if message.label_id is not None:
        return access_label(account=account, label_id=message.label_id)
    if message.label_name:
        return get_or_create_label(account=account, name=message.label_name)
    return None


@transaction.atomic(savepoint=False)  # no savepoint: a refusal aborts the caller's transaction anyway
def accept(*, api_user: ApiUser, message: OutgoingMessage, source: str = Source.API) -> SendRequest:
    """Validate, persist and queue; returns the SendRequest with ``accepted_emails`` in emailId order."""
    account = api_user.account
    _check_sender(api_user, message)
    _check_attachments(message)
    recipients = plan_recipients(message)
    if not recipients:
        raise ApiError(40805)
    label = _resolve_label(account, message)
    if message.send_request_id:
        _claim_send_request_id(account, message.send_request_id)
    consume_quota(api_user=api_user, count=len(recipients))

    request = SendRequest.objects.create(
        account=account,
        api_user=api_user,
        message_id=identifiers.new_message_id(account_id=account.pk),
        source=source,
        email_type=api_user.email_type,
        label=label,
        template_invoke_name=message.template_invoke_name,
        from_address=message.sender.address,
        from_name=message.sender.name,
        reply_to=message.reply_to,
        to_header=[[m.name, m.address] for m in message.to],
        cc_header=[[m.name, m.address] for m in message.cc],
        subject=message.subject,
        html=message.html,
        plain=message.plain,
        content_summary=message.content_summary,
        headers=message.headers,
        raw_variables=message.raw_variables,
        filters=message.xsmtpapi.filters if message.xsmtpapi else {},
        xsmtpapi_settings=message.xsmtpapi.settings if message.xsmtpapi else {},
        use_notification=message.use_notification,
        raw_mime=message.raw_mime,
    )
    Attachment.objects.bulk_create(
        Attachment(request=request, filename=a.filename, content_type=a.content_type, data=a.data, content_id=a.content_id)
        for a in message.attachments
    )
    suppressed = suppressed_addresses(account, [r.mailbox.address for r in recipients])
    now = timezone.now()
    emails = Email.objects.bulk_create(
        Email(
            request=request,
            account=account,
            email_id=identifiers.email_id(request.message_id, position, recipient.mailbox.address),
            position=position,
            role=recipient.role,
            recipient=recipient.mailbox.address,
            recipient_domain=recipient.mailbox.domain,
            recipient_name=recipient.mailbox.name,
            variables=recipient.variables,
            status=EmailStatus.INVALID if recipient.mailbox.address in suppressed else EmailStatus.REQUESTING,
            sub_status=suppressed.get(recipient.mailbox.address),
            last_log="suppressed: the address is on a block list" if recipient.mailbox.address in suppressed else "",
            enqueued_at=now,
        )
        for position, recipient in enumerate(recipients)
    )
    events = [
        Event(
            account=account,
            request=request,
            event=EventType.REQUEST,
            detail={"recipients": [e.recipient for e in emails], "emailIds": [e.email_id for e in emails]},
        )
    ]
    events += [
        Event(account=account, request=request, email=e, event=EventType.INVALID, sub_status=e.sub_status,
              detail={"reason": e.last_log})
        for e in emails
        if e.status == EmailStatus.INVALID
    ]
    record_many(events)
    deliverable = [e.pk for e in emails if e.status == EmailStatus.REQUESTING]
    if deliverable:
        # robust: a broker outage must not turn an accepted (committed) request into an error; the
        # emails carry enqueued_at from their insert, so the sweep re-enqueues them if this fails.
        transaction.on_commit(lambda: hand_over(deliverable), robust=True)
    request.accepted_emails = emails
    return request


JOB_SIZE = 100  # email ids per job: keeps broker memory per email small (targets P7)


def hand_over(email_pks: list[int]) -> None:
    """Send jobs carrying the ids to the broker (no database write: intake already set enqueued_at)."""
    from delivery.tasks import deliver_emails

    for start in range(0, len(email_pks), JOB_SIZE):
        deliver_emails.delay(email_pks[start : start + JOB_SIZE])


def enqueue(email_pks: list[int]) -> None:
    """Hand email ids to the broker and note when; the sweep re-enqueues what is lost."""
    for start in range(0, len(email_pks), JOB_SIZE):
        chunk = email_pks[start : start + JOB_SIZE]
        hand_over(chunk)
        Email.objects.filter(pk__in=chunk).update(enqueued_at=timezone.now())
