"""The events a webhook can subscribe to: SendCloud's codes (sendcloud-api-v2.md §2.14) plus ``route``.

A webhook stores the *names* it subscribes to ("deliver", "open", ..., "route").  The Web API speaks
codes (``event=1,3,18``); ``route`` has no code in SendCloud's table, so the API accepts and
returns the word ``route`` itself for it.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from delivery.models import EventType

ROUTE = "route"

# name -> code, in the order the console lists the checkboxes (SendCloud's console order).
CODES: dict[str, int | None] = {
    "deliver": EventType.DELIVER,
    "report_spam": EventType.REPORT_SPAM,
    "invalid": EventType.INVALID,
    "soft_bounce": EventType.SOFT_BOUNCE,
    "click": EventType.CLICK,
    "open": EventType.OPEN,
    "unsubscribe": EventType.UNSUBSCRIBE,
    "request": EventType.REQUEST,
    ROUTE: None,
}
NAMES_BY_CODE: dict[int, str] = {code: name for name, code in CODES.items() if code is not None}
ALL_NAMES = list(CODES)
EMAIL_EVENT_NAMES = [name for name in CODES if name != ROUTE]  # what an account subscribes to by default

# The console's checkbox labels (SendCloud's console: 送达, 垃圾邮件举报, 无效邮件, 软退信, 点击, 打开, 取消订阅, 请求).
LABELS = {
    "deliver": pgettext_lazy("webhook event", "Delivered"),
    "report_spam": pgettext_lazy("webhook event", "Spam reporting"),
    "invalid": pgettext_lazy("webhook event", "Invalid"),
    "soft_bounce": pgettext_lazy("webhook event", "Soft Bounce"),
    "click": pgettext_lazy("webhook event", "Click"),
    "open": pgettext_lazy("webhook event", "Open"),
    "unsubscribe": pgettext_lazy("webhook event", "Unsubscribes"),
    "request": pgettext_lazy("webhook event", "Request"),
    ROUTE: pgettext_lazy("webhook event", "Route (inbound routing)"),
}


class UnknownEvent(ValueError):
    """An event code or name that is not in the vocabulary."""


def name_of(token: str) -> str:
    """``"1"`` -> ``"deliver"``; ``"route"`` -> ``"route"``; anything else raises ``UnknownEvent``."""
    token = token.strip().lower()
    if token == ROUTE:
        return ROUTE
    if token.isdigit() and int(token) in NAMES_BY_CODE:
        return NAMES_BY_CODE[int(token)]
    raise UnknownEvent(token)


def code_text(name: str) -> str:
    """How the Web API writes one subscribed event: its code, or ``route``."""
    code = CODES[name]
    return ROUTE if code is None else str(code)


def ordered(names) -> list[str]:
    """Names without duplicates, in the vocabulary's order."""
    wanted = set(names)
    return [name for name in ALL_NAMES if name in wanted]
