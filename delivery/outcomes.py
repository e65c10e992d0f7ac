"""What an SMTP answer means: delivered, temporary or permanent, with SendCloud's sub-status,
and when to try again (targets R2: a retry schedule kept as data, hints honoured, a maximum age)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta

from delivery.models import Outcome

# Waits after the 1st, 2nd, ... temporary failure; the last one repeats.
RETRY_SCHEDULE = [
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=20),
    timedelta(minutes=40),
    timedelta(hours=1),
]
JITTER = 0.1  # +-10 %, so a destination's backlog does not come back all at once
MIN_HINTED_WAIT = timedelta(seconds=10)

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_TRY_AGAIN = re.compile(r"(?:try|retry)\s+(?:again\s+)?(?:in|after)\s+(\d+)\s*(second|sec|s|minute|min|m|hour|h)", re.I)


@dataclass(frozen=True)
class Result:
    """The outcome of one attempt, as the engine records it."""

    outcome: str
    sub_status: int | None = None
    smtp_code: int | None = None
    enhanced_status: str = ""
    reply: str = ""
    mx_host: str = ""
    ip: str = ""
    tls: bool = False
    retry_after: timedelta | None = None  # a "try again in N" hint from the server


def enhanced_status(text: str) -> str:
    match = _ENHANCED.search(text)
    return ".".join(match.groups()) if match else ""


def retry_hint(text: str) -> timedelta | None:
    match = _TRY_AGAIN.search(text)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit.startswith("h"):
        return timedelta(hours=amount)
    if unit.startswith("m"):
        return timedelta(minutes=amount)
    return timedelta(seconds=amount)


def _mentions(text: str, *words: str) -> bool:
    return any(word in text for word in words)


def permanent_sub_status(enhanced: str, text: str) -> int:
    """Invalid sub-status 403-409 from a 5xx reply (sendcloud-api-v2.md §8.4)."""
    lowered = text.lower()
    if enhanced in {"5.1.1", "5.1.10", "5.2.1"} or _mentions(
        lowered, "user unknown", "does not exist", "no such user", "unknown user", "mailbox unavailable", "not found"
    ):
        return 406
    if enhanced in {"5.1.3", "5.1.2"}:
        return 404
    if _mentions(lowered, "spam", "content rejected", "junk"):
        return 407
    if _mentions(lowered, "block", "blacklist", "denylist", "reputation", "spamhaus", "rbl", "banned"):
        return 405
    if enhanced.startswith("5.7") or enhanced in {"5.1.7", "5.1.8"}:
        return 408
    return 409


def temporary_sub_status(enhanced: str, text: str, *, connection_failed: bool = False) -> int:
    """Soft-bounce sub-status 503-509 from a 4xx reply or a connection failure."""
    lowered = text.lower()
    if connection_failed:
        return 503
    if enhanced in {"4.1.1", "4.2.1"} or _mentions(lowered, "mailbox unavailable", "user unknown"):
        return 506
    if _mentions(lowered, "spam"):
        return 507
    if _mentions(lowered, "block", "blacklist", "reputation", "rate limit", "too many"):
        return 505
    if enhanced.startswith("4.7") or enhanced.startswith("4.1"):
        return 508
    if enhanced.startswith("4.3") or enhanced.startswith("4.4"):
        return 503
    return 509


def from_smtp_reply(code: int, text: str, *, mx_host: str = "", ip: str = "", tls: bool = False) -> Result:
    enhanced = enhanced_status(text)
    common = {"smtp_code": code, "enhanced_status": enhanced, "reply": text, "mx_host": mx_host, "ip": ip, "tls": tls}
    if 200 <= code < 300:
        return Result(Outcome.DELIVERED, **common)
    if 400 <= code < 500:
        sub = temporary_sub_status(enhanced, text)
        return Result(Outcome.TEMPORARY, sub_status=sub, retry_after=retry_hint(text), **common)
    return Result(Outcome.PERMANENT, sub_status=permanent_sub_status(enhanced, text), **common)


def connection_failure(detail: str, *, mx_host: str = "", ip: str = "") -> Result:
    return Result(Outcome.TEMPORARY, sub_status=503, reply=detail, mx_host=mx_host, ip=ip)


def next_wait(attempt_number: int, hint: timedelta | None, *, rng: random.Random | None = None) -> timedelta:
    """The wait before attempt ``attempt_number + 1`` after ``attempt_number`` temporary failures."""
    if hint is not None:
        return max(hint, MIN_HINTED_WAIT)
    base = RETRY_SCHEDULE[min(attempt_number, len(RETRY_SCHEDULE)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return timedelta(seconds=base.total_seconds() * factor)
