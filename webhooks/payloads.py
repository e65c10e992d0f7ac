"""What a webhook POST carries: SendCloud's fields for each event (sendcloud-api-v2.md §8.3), signed.

Every value is a string in an ``application/x-www-form-urlencoded`` body.  List-valued fields
(``recipientArray``, ``emailIds``) and ``userHeaders`` (an object) are JSON text; integers are
decimal text.  ``timestamp`` is milliseconds since the epoch; ``token`` is 50 random letters and
digits; ``signature = hex(HMAC-SHA256(key=APP KEY, msg=timestamp + token))``, the check SendCloud's
own receiver samples perform.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import string
import time
from urllib.parse import urlencode

from delivery.models import Event, EventType
from delivery.selectors import SUB_STATUS_TEXT

TOKEN_LENGTH = 50
_TOKEN_ALPHABET = string.ascii_letters + string.digits
NO_MAILLIST_TASK = "-1"  # no address-list task behind this mail (SendCloud sends -1 then)
CONTENT_TYPE = "application/x-www-form-urlencoded"

# What ``message`` says for each event (SendCloud documents the field as "message content").
MESSAGES = {
    EventType.REQUEST: "successfully request",
    EventType.DELIVER: "successfully delivered",
    EventType.OPEN: "open",
    EventType.CLICK: "click",
    EventType.UNSUBSCRIBE: "unsubscribe",
    EventType.REPORT_SPAM: "report spam",
}


def new_token() -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def sign(app_key: str, timestamp: str, token: str) -> str:
    return hmac.new(app_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def signed(fields: dict[str, str], *, app_key: str, now_ms: int | None = None) -> dict[str, str]:
    """``fields`` plus ``timestamp``, ``token`` and ``signature`` (fresh for every attempt)."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    token = new_token()
    return {**fields, "timestamp": timestamp, "token": token, "signature": sign(app_key, timestamp, token)}


def encode(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode("ascii")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def event_fields(event: Event) -> dict[str, str]:
    """The fields of §8.3 for ``event`` (without timestamp/token/signature), all strings.

    ``event`` must come with ``request__api_user``, ``request__label`` and ``email`` loaded or loadable.
    """
    request = event.request
    detail = event.detail or {}
    code = EventType(event.event)
    label = request.label
    fields = {
        "event": code.label,
        "message": _message(code, detail),
        "apiUser": request.api_user.name,
        "category": request.api_user.name,
        "labelId": str(label.pk if label else 0),
        "labelName": label.name if label else "",
        "maillistTaskId": _maillist_task(request),
        "mail_list_task_id": _maillist_task(request),
        "userHeaders": _json(request.user_headers),
    }
    if code == EventType.REQUEST:
        recipients = detail.get("recipients") or []
        fields.update({
            "messageId": request.message_id,
            "recipientArray": _json(recipients),
            "emailIds": _json(detail.get("emailIds") or []),
            "recipientSize": str(len(recipients)),
        })
        return fields
    email = event.email
    fields.update({"emailId": email.email_id if email else "", "recipient": email.recipient if email else ""})
    if code in (EventType.DELIVER, EventType.INVALID, EventType.SOFT_BOUNCE):
        fields["outIp"] = str(detail.get("outIp") or "")
    if code in (EventType.INVALID, EventType.SOFT_BOUNCE):
        sub_status = event.sub_status if event.sub_status is not None else (email.sub_status if email else None)
        fields["substat"] = str(sub_status) if sub_status is not None else ""
        fields["substatdesc"] = SUB_STATUS_TEXT.get(sub_status, "") if sub_status is not None else ""
    if code == EventType.SOFT_BOUNCE:
        fields["cause"] = str(detail.get("cause") or _smtp_answer(detail))
    if code in (EventType.OPEN, EventType.CLICK, EventType.UNSUBSCRIBE):
        fields.update(client_fields(detail))
    if code == EventType.CLICK:
        fields["url"] = str(detail.get("url") or "")
    return fields


def _message(code: EventType, detail: dict) -> str:
    if code in (EventType.INVALID, EventType.SOFT_BOUNCE):
        return _smtp_answer(detail) or str(detail.get("reason") or detail.get("cause") or code.label)
    return MESSAGES.get(code, code.label)


def _smtp_answer(detail: dict) -> str:
    """The remote server's answer, with its SMTP code in front (``550 5.1.1 ... user unknown``)."""
    reply = str(detail.get("reply") or "")
    code = detail.get("smtpCode")
    if reply and code and not reply.startswith(str(code)):
        return f"{code} {reply}"
    return reply


def _maillist_task(request) -> str:
    task = getattr(request, "maillist_task_id", None)
    return str(task) if task else NO_MAILLIST_TASK


def client_fields(detail: dict) -> dict[str, str]:
    """ip, explorerName, explorerVer, oSName, oSVer from what tracking recorded.

    Tracking may record ``browser``/``os`` as ``{"name", "version"}`` objects, as plain names with
    ``browserVersion``/``osVersion`` beside them, or only a ``userAgent``, which is then parsed here.
    """
    browser_name, browser_version = _name_version(detail, "browser")
    os_name, os_version = _name_version(detail, "os")
    if not browser_name and not os_name and detail.get("userAgent"):
        (browser_name, browser_version), (os_name, os_version) = parse_user_agent(str(detail["userAgent"]))
    return {
        "ip": str(detail.get("ip") or ""),
        "explorerName": browser_name,
        "explorerVer": browser_version,
        "oSName": os_name,
        "oSVer": os_version,
    }


def _name_version(detail: dict, key: str) -> tuple[str, str]:
    value = detail.get(key)
    if isinstance(value, dict):
        return str(value.get("name") or ""), str(value.get("version") or "")
    name = str(value or detail.get(f"{key}Name") or "")
    return name, str(detail.get(f"{key}Version") or detail.get(f"{key}Ver") or "")


_BROWSERS = [
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/([\d.]+)")),
    ("Opera", re.compile(r"(?:OPR|Opera)/([\d.]+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/([\d.]+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"Version/([\d.]+).*Safari/")),
    ("Internet Explorer", re.compile(r"(?:MSIE |Trident/.*rv:)([\d.]+)")),
]
_SYSTEMS = [
    ("Windows", re.compile(r"Windows NT ([\d.]+)")),
    ("iOS", re.compile(r"(?:iPhone|iPad|iPod).*? OS ([\d_]+)")),
    ("Mac OS X", re.compile(r"Mac OS X ([\d_.]+)")),
    ("Android", re.compile(r"Android ([\d.]+)")),
    ("Linux", re.compile(r"Linux()")),
]


def parse_user_agent(agent: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """A small User-Agent reading: ((browser, version), (system, version)); unknown parts are ""."""
    browser = next(((name, m.group(1)) for name, rx in _BROWSERS if (m := rx.search(agent))), ("", ""))
    system = next(((name, m.group(1).replace("_", ".")) for name, rx in _SYSTEMS if (m := rx.search(agent))),
                  ("", ""))
    return browser, system


SAMPLE_DETAIL = {
    EventType.REQUEST: {},
    EventType.DELIVER: {"reply": "250 2.0.0 OK", "outIp": ""},
    EventType.INVALID: {"reply": "550 5.1.1 <test@example.com>: user unknown"},
    EventType.SOFT_BOUNCE: {"reply": "451 4.7.1 greylisted, try again later"},
    EventType.OPEN: {"ip": "203.0.113.7", "browser": {"name": "Chrome", "version": "120.0"},
                     "os": {"name": "Windows", "version": "10"}},
    EventType.CLICK: {"ip": "203.0.113.7", "browser": {"name": "Chrome", "version": "120.0"},
                      "os": {"name": "Windows", "version": "10"}, "url": "https://www.example.com/"},
    EventType.UNSUBSCRIBE: {"ip": "203.0.113.7", "browser": {"name": "Firefox", "version": "121.0"},
                            "os": {"name": "Mac OS X", "version": "10.15"}},
    EventType.REPORT_SPAM: {},
}
SAMPLE_SUB_STATUS = {EventType.INVALID: 406, EventType.SOFT_BOUNCE: 508}
SAMPLE_RECIPIENT = "test@example.com"


def sample_fields(*, event_type: int, api_user_name: str) -> dict[str, str]:
    """The fields of a made-up event of ``event_type`` for "simulate push" (模拟推送)."""
    from types import SimpleNamespace

    message_id = f"{int(time.time() * 1000)}_0_0_0.sc-simulated-inbound"
    email_id = f"{message_id}0${SAMPLE_RECIPIENT}"
    api_user = SimpleNamespace(name=api_user_name)
    request = SimpleNamespace(api_user=api_user, label=None, message_id=message_id,
                              user_headers={"SC-Custom-Simulated": "true"})
    email = SimpleNamespace(email_id=email_id, recipient=SAMPLE_RECIPIENT, sub_status=None)
    detail = dict(SAMPLE_DETAIL.get(event_type, {}))
    if event_type == EventType.REQUEST:
        detail = {"recipients": [SAMPLE_RECIPIENT], "emailIds": [email_id]}
    event = SimpleNamespace(event=event_type, request=request, email=email, detail=detail,
                            sub_status=SAMPLE_SUB_STATUS.get(event_type))
    return event_fields(event)
