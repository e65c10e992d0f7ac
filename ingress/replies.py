"""SMTP replies of the ingress: one-line ASCII text, enhanced status codes (RFC 3463), and the mapping
from the intake service's ``ApiError`` (SendCloud statusCode) to the reply a client sees.

Replies never carry a stack trace; whatever text goes into one (an address, an error detail) is reduced
to printable ASCII on one line, so a client-supplied value can never end the reply early.
"""

from __future__ import annotations

from sendcloud.apiv2.errors import ApiError

MAX_REPLY_LENGTH = 510  # RFC 5321 4.5.3.1.5: 512 octets per reply line including CRLF

# statusCodes of malformed X-SMTPAPI content (sendcloud-api-v2.md §5: "xsmtpapi error")
XSMTPAPI_CODES = frozenset({40812, 40813, 40814, 40815, 40816, 40817, 40827, 40880})
SIZE_CODES = frozenset({40819})  # attachments over 10485760 bytes
TOO_MANY_RECIPIENTS_CODES = frozenset({40807, 40854, 40857})
QUOTA_EXCEEDED = 40904

INTERNAL_ERROR = "451 4.3.0 Internal error: the message was not accepted, please try again later"


class Refusal(Exception):
    """A decision that ends a command with ``reply`` (a complete SMTP reply line)."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


def clean(text: str) -> str:
    """Printable ASCII on one line (anything else becomes '?')."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in str(text))


def reply(code: str, text: str) -> str:
    """``code`` is the basic and enhanced status, e.g. ``"550 5.7.1"``."""
    return f"{code} {clean(text)}"[:MAX_REPLY_LENGTH]


def for_api_error(error: ApiError) -> str:
    """The reply for a refusal by ``delivery.services.accept`` (statusCode kept in the text)."""
    code = error.status_code
    detail = f"{error.message} (statusCode {code})"
    if code in XSMTPAPI_CODES:
        return reply("554 5.6.0", f"xsmtpapi error: {detail}")
    if code in SIZE_CODES:
        return reply("552 5.3.4", f"Message too big: {detail}")
    if code in TOO_MANY_RECIPIENTS_CODES:
        return reply("550 5.5.3", f"Too many recipients: {detail}")
    if code == QUOTA_EXCEEDED:
        # Temporary: the daily quota renews, so a relaying MTA may keep the message and retry.
        return reply("451 4.7.1", f"Daily request quota exceeded, try again later: {detail}")
    # Sender not on the API_USER's domain or unverified (40802), unknown label (40106), ...: policy refusals.
    return reply("550 5.7.1", detail)
