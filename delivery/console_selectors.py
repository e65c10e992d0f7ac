"""Reads for the console pages of 投递回应 (email status, bounces) and 沙箱收件箱 (the sandbox inbox).

Kept apart from ``selectors.py`` (which serves the /apiv2/ data actions) so the pages can grow without
touching the API's queries; the email status page still filters through ``selectors.filtered_emails``
so the page and ``data/emailStatus`` always agree.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser

import dkim
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from delivery.models import DeliveryAttempt, Email, Event, SandboxMessage, Suppression, SuppressionKind
from delivery.selectors import EmailStatusQuery, filtered_emails, mask_address
from domains.models import Domain


def shown_address(*, account, address: str) -> str:
    """The address as the console shows it: masked (a***@example.com) unless the account turned masking off."""
    return mask_address(address) if account.mask_recipients else address


def masked_text(*, account, text: str, address: str) -> str:
    """``text`` (an SMTP reply, a log line, a header) with ``address`` masked wherever it appears."""
    if not account.mask_recipients or not address or not isinstance(text, str):
        return text
    return re.sub(re.escape(address), mask_address(address), text, flags=re.IGNORECASE)


def shown_email_id(*, account, email: Email) -> str:
    """An emailId ends with ``$<address>``: mask that part too when the account masks recipients."""
    prefix, dollar, address = email.email_id.rpartition("$")
    if not dollar:
        return email.email_id
    return prefix + dollar + shown_address(account=account, address=address)


# --- 邮件状态 ------------------------------------------------------------------------------------------


def status_emails(*, account, query: EmailStatusQuery) -> QuerySet[Email]:
    """The account's emails matching the filters, newest first, with what a row shows."""
    return (
        filtered_emails(account=account, query=query)
        .select_related("request__api_user", "request__label")
        .order_by("-created_at", "-id")
    )


def access_email(*, account, email_pk: int) -> Email:
    return get_object_or_404(Email.objects.select_related("request__api_user", "request__label"),
                             pk=email_pk, account=account)


def email_events(*, email: Email) -> list[Event]:
    """The email's own events and its request's (the ``request`` event is recorded once per request)."""
    events = Event.objects.filter(Q(email=email) | Q(request_id=email.request_id, email__isnull=True))
    return list(events.order_by("-created_at", "-id"))


def email_attempts(*, email: Email) -> list[DeliveryAttempt]:
    return list(email.attempts.order_by("-started_at", "-id"))


# --- 退信地址 ------------------------------------------------------------------------------------------


def bounce_entries(*, account, search: str = "") -> QuerySet[Suppression]:
    """The account's bounce-list entries still in force (as bounce/list shows them), newest first."""
    rows = Suppression.objects.filter(account=account, kind=SuppressionKind.BOUNCE).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if search.strip():
        rows = rows.filter(address__icontains=search.strip())
    return rows.order_by("-updated_at", "-id")


def access_bounce(*, account, bounce_pk: int) -> Suppression:
    return get_object_or_404(Suppression, pk=bounce_pk, account=account, kind=SuppressionKind.BOUNCE)


# --- 沙箱收件箱 ----------------------------------------------------------------------------------------


def sandbox_messages(*, account) -> QuerySet[SandboxMessage]:
    return SandboxMessage.objects.filter(account=account).order_by("-created_at", "-id")


def access_sandbox_message(*, account, message_pk: int) -> SandboxMessage:
    return get_object_or_404(SandboxMessage, pk=message_pk, account=account)


def sandbox_subject(message: SandboxMessage) -> str:
    """The Subject header as the recipient would see it (parsing the headers only)."""
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(bytes(message.data))
    return str(headers.get("Subject", ""))


class DkimResult:
    VERIFIES = "verifies"  # a DKIM-Signature that verifies against the signing domain's stored key
    FAILS = "fails"  # signed, but the signature (or the key it names) does not check out
    UNSIGNED = "unsigned"  # no DKIM-Signature header


@dataclass(frozen=True)
class SandboxView:
    subject: str
    headers: list[tuple[str, str]]
    html: str | None
    plain: str | None
    dkim: str  # a DkimResult value
    dkim_domain: str  # the d= tag of the signature, "" when unsigned


_TAG = re.compile(rb"(?:^|;)\s*([a-z]+)\s*=\s*([^;]*)")


def _signature_tags(value: bytes) -> dict[bytes, bytes]:
    unfolded = re.sub(rb"\s+", b"", value)
    return {name: tag.strip() for name, tag in _TAG.findall(unfolded)}


def verify_dkim(*, account, data: bytes) -> tuple[str, str]:
    """Check the message's DKIM signature against the key the account's domain has stored.

    The key comes from the database, not DNS: the sandbox is for trying the platform before any DNS
    record exists.  A signature naming a domain the account does not own never verifies.
    """
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    header = message.get("DKIM-Signature")
    if header is None:
        return DkimResult.UNSIGNED, ""
    tags = _signature_tags(str(header).encode("ascii", "replace"))
    signing_domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
    domain = Domain.objects.filter(account=account, name=signing_domain).exclude(dkim_public_key="").first()

    def dnsfunc(name, timeout=5):
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        if domain is None or name.rstrip(".").lower() != f"{domain.dkim_selector}._domainkey.{domain.name}":
            return None
        return f"v=DKIM1; k=rsa; p={domain.dkim_public_key}".encode()

    verified = dkim.verify(data, dnsfunc=dnsfunc)
    return (DkimResult.VERIFIES if verified else DkimResult.FAILS), signing_domain


def _text_of(part) -> str | None:
    return part.get_content().replace("\r\n", "\n") if part is not None else None


def sandbox_view(*, account, message: SandboxMessage) -> SandboxView:
    """What the detail page shows: the parsed parts, every header, and the DKIM result.

    With masking on, the recipient's address is masked wherever it appears in the headers; the
    parts are shown as they were sent.
    """
    data = bytes(message.data)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    html_part = parsed.get_body(("html",))
    plain_part = parsed.get_body(("plain",))
    result, signing_domain = verify_dkim(account=account, data=data)
    return SandboxView(
        subject=str(parsed.get("Subject", "")),
        headers=[(name, masked_text(account=account, text=str(value), address=message.recipient))
                 for name, value in parsed.items()],
        html=_text_of(html_part),
        plain=_text_of(plain_part),
        dkim=result,
        dkim_domain=signing_domain,
    )
