"""The DATA of an SMTP submission -> the ``OutgoingMessage`` the intake service accepts.

Parsed with the standard library: ``email.message_from_bytes`` takes the MIME structure apart with a
policy that keeps header values as received (compat32's parser), and each header the ingress reads is
parsed once with ``email.policy.default``'s header classes (RFC 2047 words, address lists).  The same
result as ``policy=policy.default`` for the headers used, at a tenth of the cost: that policy re-parses
Content-Type on every access, about 4 ms for a 5 KB message.  No database.  What becomes what:

* sender: the From header's mailbox (the envelope sender when the message has no From header);
* subject; html / plain: the first ``text/html`` and ``text/plain`` parts that are not attachments;
* attachments: every other leaf part (inline ones that have a Content-ID keep it as ``content_id``);
* reply_to: the Reply-To addresses (at most 3, as ``mail/send``); Disposition-Notification-To turns
  on ``use_notification``;
* headers: every other header that is not structural (so ``SC-Custom-*`` reach webhooks);
* xsmtpapi: the X-SMTPAPI header (base64 JSON; its ``to`` overrides the RCPT recipients);
* recipients: the RCPT addresses; those in the To header are ``to``, those in Cc are ``cc`` (with the
  header's display names), the rest ``bcc``;
* raw_mime: the bytes received.

Bare CR and bare LF inside DATA never end the message (aiosmtpd only ends DATA at CRLF.CRLF); the
parser reads them as ordinary line breaks, and bodies are stored with LF line breaks.
"""

from __future__ import annotations

import email
import logging
import mimetypes
from email import policy
from email.headerregistry import Address
from email.policy import Compat32

from delivery.addresses import AddressError, Mailbox, decode_name, has_forbidden_characters, parse_mailbox
from delivery.services import AttachmentData, OutgoingMessage
from delivery.xsmtpapi import XSmtpApiError, parse_header
from ingress.replies import Refusal, reply

log = logging.getLogger(__name__)

MAX_REPLY_TO = 3
MAX_PARTS = 500
MAX_FILENAME = 255
MAX_LINE = 998  # octets per line without CRLF (RFC 5321 4.5.3.1.6)
CHARSET_READ_AS = {"us-ascii": "utf-8", "ascii": "utf-8", "gb2312": "gb18030", "gbk": "gb18030"}

# Headers the platform sets itself or reads into fields; never copied as custom headers.  Message-ID
# is the platform's own (derived from the emailId, one per recipient copy); trace and authentication
# headers are not vouched for by our DKIM signature.
STRUCTURAL = frozenset({
    "from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "reply-to",
    "disposition-notification-to", "x-smtpapi", "return-path", "received", "received-spf",
    "dkim-signature", "domainkey-signature", "authentication-results", "arc-seal",
    "arc-message-signature", "arc-authentication-results", "delivered-to",
})


class _AsReceived(Compat32):
    """compat32 parsing, header values returned exactly as received (8-bit bytes as surrogates)."""

    def header_fetch_parse(self, name, value):
        return value


AS_RECEIVED = _AsReceived()
AS_RECEIVED_CRLF = AS_RECEIVED.clone(linesep="\r\n")


def too_long_line(data: bytes) -> bool:
    """Whether a line of DATA (dot-unstuffed, without its CRLF) is longer than 998 octets."""
    return max(map(len, data.split(b"\r\n")), default=0) > MAX_LINE


def parse_submission(*, data: bytes, rcpt_tos: list[str], envelope_sender: str, label_id: int | None) -> OutgoingMessage:
    """Raises ``Refusal`` with a 5xx reply for content that cannot be accepted."""
    try:
        return _parse(data=data, rcpt_tos=rcpt_tos, envelope_sender=envelope_sender, label_id=label_id)
    except Refusal:
        raise
    except Exception:  # a message the standard library cannot take apart; never a stack trace to the client
        log.exception("SMTP ingress: could not parse a message of %d bytes", len(data))
        raise Refusal(reply("554 5.6.0", "The message could not be parsed as MIME")) from None


def _parse(*, data: bytes, rcpt_tos: list[str], envelope_sender: str, label_id: int | None) -> OutgoingMessage:
    message = email.message_from_bytes(data, policy=AS_RECEIVED)
    headers = message.items()  # [(name, value as received)], top level
    html, plain, attachments = _bodies(message)
    return OutgoingMessage(
        sender=_sender(headers, envelope_sender),
        subject=_header_text(headers, "Subject"),
        html=html,
        plain=plain,
        **_recipients(headers, rcpt_tos),
        reply_to=_reply_to(headers),
        headers=_custom_headers(headers),
        attachments=attachments,
        xsmtpapi=_xsmtpapi(headers),
        label_id=label_id,
        use_notification=bool(_raw(headers, "Disposition-Notification-To")),
        raw_mime=data,
    )


def _raw(headers: list[tuple[str, str]], name: str) -> list[str]:
    lower = name.lower()
    return [value for key, value in headers if key.lower() == lower]


def _parsed(headers: list[tuple[str, str]], name: str) -> list:
    """The ``name`` headers parsed by policy.default (decoded text; ``.addresses`` for address headers)."""
    return [policy.default.header_fetch_parse(name, value) for value in _raw(headers, name)]


def text_of(value) -> str:
    """A header's text as Unicode: raw 8-bit bytes, which the parser keeps as surrogates, read as UTF-8."""
    text = str(value)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _checked(text: str, where: str) -> str:
    if has_forbidden_characters(text):
        raise Refusal(reply("554 5.6.0", f"The {where} header contains CR, LF or NUL"))
    return text


def _header_text(headers, name: str) -> str:
    values = _parsed(headers, name)
    return _checked(text_of(values[0]), name).strip() if values else ""


def _addresses(headers, name: str) -> list[Address]:
    found: list[Address] = []
    try:
        for header in _parsed(headers, name):
            found.extend(getattr(header, "addresses", ()))
    except ValueError as error:  # e.g. an encoded display name that decodes to CR/LF
        raise Refusal(reply("554 5.6.0", f"The {name} header cannot be parsed: {error}")) from None
    return found


def _mailbox(address: Address, where: str) -> Mailbox:
    addr_spec = text_of(address.addr_spec)
    try:
        box = parse_mailbox(addr_spec)
    except AddressError:
        raise Refusal(reply("554 5.6.0", f"The {where} header has an invalid address: {addr_spec}")) from None
    name = _checked(text_of(address.display_name or ""), where).strip()
    return Mailbox(box.address, name)


def _sender(headers, envelope_sender: str) -> Mailbox:
    if not _raw(headers, "From"):
        return parse_mailbox(envelope_sender)
    addresses = _addresses(headers, "From")
    if not addresses:
        raise Refusal(reply("554 5.6.0", "The From header has no address"))
    return _mailbox(addresses[0], "From")


def _reply_to(headers) -> list[str]:
    addresses = [_mailbox(a, "Reply-To").address for a in _addresses(headers, "Reply-To")]
    if len(addresses) > MAX_REPLY_TO:
        raise Refusal(reply("554 5.6.0", f"Reply-To has {len(addresses)} addresses, at most {MAX_REPLY_TO}"))
    return addresses


def _named(headers, name: str) -> dict[str, str]:
    """lower-cased address -> display name, in header order."""
    names: dict[str, str] = {}
    for address in _addresses(headers, name):
        key = text_of(address.addr_spec).lower()
        names.setdefault(key, _checked(text_of(address.display_name or ""), name).strip())
    return names


def _recipients(headers, rcpt_tos: list[str]) -> dict[str, list[Mailbox]]:
    envelope: dict[str, Mailbox] = {}
    for rcpt in rcpt_tos:
        box = parse_mailbox(rcpt)
        envelope.setdefault(box.address.lower(), box)
    to_names, cc_names = _named(headers, "To"), _named(headers, "Cc")
    to = [Mailbox(envelope[key].address, name) for key, name in to_names.items() if key in envelope]
    cc = [
        Mailbox(envelope[key].address, name)
        for key, name in cc_names.items()
        if key in envelope and key not in to_names
    ]
    bcc = [box for key, box in envelope.items() if key not in to_names and key not in cc_names]
    return {"to": to, "cc": cc, "bcc": bcc}


def _custom_headers(headers) -> dict[str, str]:
    custom: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in headers:
        lower = name.lower()
        if lower in STRUCTURAL or lower.startswith("content-") or lower in seen:
            continue
        seen.add(lower)
        parsed = policy.default.header_fetch_parse(name, value)
        custom[name] = _checked(text_of(parsed), name).strip()
    return custom


def _xsmtpapi(headers):
    values = _raw(headers, "X-SMTPAPI")  # base64 needs no decoding of encoded words
    if not values:
        return None
    try:
        return parse_header(text_of(values[-1]))
    except XSmtpApiError as error:
        raise Refusal(reply("554 5.6.0", f"xsmtpapi error: {error} (statusCode {error.code})")) from None


def _leaves(message) -> list:
    """Leaf parts in order; multipart containers are opened (iteratively: nesting depth is unbounded)."""
    leaves, stack = [], [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(part.get_payload()))
        else:
            leaves.append(part)
            if len(leaves) > MAX_PARTS:
                raise Refusal(reply("554 5.6.0", f"The message has more than {MAX_PARTS} MIME parts"))
    return leaves


def _text_content(part) -> str:
    raw = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    # 8-bit text without a declared charset is read as UTF-8 (a superset of ASCII); GB2312 labels
    # are read as GB18030, its superset, as mail clients do.
    charset = CHARSET_READ_AS.get(charset, charset)
    try:
        text = raw.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        text = raw.decode("utf-8", "replace")
    if "\x00" in text:
        raise Refusal(reply("554 5.6.0", "The message text contains NUL characters"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bodies(message) -> tuple[str, str, list[AttachmentData]]:
    bodies: dict[str, str] = {}
    attachments: list[AttachmentData] = []
    for part in _leaves(message):
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            subtype = content_type.split("/")[1]
            if subtype not in bodies:
                bodies[subtype] = _text_content(part)
                continue
        attachments.append(_attachment(part, content_type, disposition, filename, len(attachments) + 1))
    return bodies.get("html", ""), bodies.get("plain", ""), attachments


def _attachment(part, content_type: str, disposition: str | None, filename: str | None, number: int) -> AttachmentData:
    if part.is_multipart():  # message/rfc822 and friends: the enclosed message, as bytes
        data = b"".join(inner.as_bytes(policy=AS_RECEIVED_CRLF) for inner in part.get_payload())
    else:
        data = part.get_payload(decode=True) or b""
    content_id = ""
    if disposition != "attachment" and part.get("Content-ID") is not None:
        content_id = _clean_value(text_of(part["Content-ID"])).strip().strip("<>").strip()
    return AttachmentData(
        filename=_filename(filename, content_type, number),
        content_type=content_type[:MAX_FILENAME],
        data=bytes(data),
        content_id=content_id[:MAX_FILENAME],
    )


def _clean_value(text: str) -> str:
    return "".join(" " if ch in "\r\n\x00" else ch for ch in text)


def _filename(filename: str | None, content_type: str, number: int) -> str:
    name = _clean_value(decode_name(text_of(filename or ""))).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        extension = ".eml" if content_type == "message/rfc822" else (mimetypes.guess_extension(content_type) or ".bin")
        name = f"attachment-{number}{extension}"
    return name[-MAX_FILENAME:]
