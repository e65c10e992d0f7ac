"""Build an email's MIME message once: multipart/alternative (plain + HTML), inline images by cid,
attachments, UTF-8 everywhere, the recipient's variables filled by the shared renderer."""

from __future__ import annotations

import html as html_lib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from django.utils import timezone

from delivery import identifiers
from delivery.models import Email, RecipientRole, SendRequest
from templates_app.rendering import render

# Headers the platform sets itself; a custom header with one of these names replaces ours only
# where SendCloud allows it (Message-ID, FAQ #11), otherwise it is ignored.
RESERVED = {"from", "to", "cc", "bcc", "subject", "date", "mime-version", "content-type",
            "content-transfer-encoding", "return-path", "dkim-signature", "x-smtpapi"}
SUMMARY_STYLE = "display:none!important;max-height:0;overflow:hidden;opacity:0;mso-hide:all"


def _mailbox(name: str, address: str) -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def with_summary(html: str, summary: str) -> str:
    """The preheader (contentSummary) as the first, hidden, element of the body."""
    if not summary:
        return html
    block = f'<div style="{SUMMARY_STYLE}">{html_lib.escape(summary)}</div>'
    lowered = html.lower()
    start = lowered.find("<body")
    if start >= 0:
        end = lowered.find(">", start)
        if end >= 0:
            return html[: end + 1] + block + html[end + 1 :]
    return block + html


def build(email: Email, request: SendRequest | None = None) -> EmailMessage:
    request = request or email.request
    variables = email.variables or {}
    raw = frozenset(request.raw_variables or [])
    subject = render(request.subject, variables, html=False)
    plain = render(request.plain, variables, html=False) if request.plain else ""
    html = render(request.html, variables, html=True, raw=raw) if request.html else ""
    html = with_summary(html, request.content_summary) if html else html

    message = EmailMessage(policy=SMTP)
    message["From"] = _mailbox(request.from_name, request.from_address)
    if email.role == RecipientRole.INDIVIDUAL:
        message["To"] = _mailbox(email.recipient_name, email.recipient)
    else:
        if request.to_header:
            message["To"] = [_mailbox(name, address) for name, address in request.to_header]
        if request.cc_header:
            message["Cc"] = [_mailbox(name, address) for name, address in request.cc_header]
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    custom_message_id = next((v for k, v in request.headers.items() if k.lower() == "message-id"), None)
    message["Message-ID"] = custom_message_id or identifiers.message_id_header(
        request.message_id, email.position, request.from_address.rpartition("@")[2]
    )
    if request.reply_to:
        message["Reply-To"] = ", ".join(request.reply_to)
    if request.use_notification:
        message["Disposition-Notification-To"] = request.from_address
    for name, value in request.headers.items():
        if name.lower() not in RESERVED and name.lower() != "message-id":
            message[name] = value

    inline = [a for a in request.attachments.all() if a.content_id]
    files = [a for a in request.attachments.all() if not a.content_id]
    if plain and html:
        message.set_content(plain, subtype="plain", charset="utf-8")
        message.add_alternative(html, subtype="html", charset="utf-8")
        html_part = message.get_payload()[1]
    elif html:
        message.set_content(html, subtype="html", charset="utf-8")
        html_part = message
    else:
        message.set_content(plain, subtype="plain", charset="utf-8")
        html_part = None
    for item in inline:
        maintype, _, subtype = item.content_type.partition("/")
        target = html_part if html_part is not None else message
        target.add_related(bytes(item.data), maintype=maintype, subtype=subtype or "octet-stream",
                           cid=f"<{item.content_id}>", filename=item.filename)
    for item in files:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(bytes(item.data), maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item.filename)
    return message
