"""The DNS records a sending domain must publish, computed from ``settings.PLATFORM_DOMAIN``.

Pure functions: no database, no DNS.  The platform's own hosts (SPF include, inbound MX, tracking
host, DMARC report mailbox) are named here once; other apps (delivery, tracking) import them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from domains.models import VerifyBit

MX_PRIORITY = 10
RECORD_KEYS = ("spf", "dkim", "mx", "dmarc")  # display order in the console, the API and the exports


def spf_include_host() -> str:
    return f"spf.{settings.PLATFORM_DOMAIN}"


def mx_host() -> str:
    """The platform's inbound MX host that every sending domain's MX must point to."""
    return f"mx.{settings.PLATFORM_DOMAIN}"


def tracking_host() -> str:
    """The host every custom tracking domain must CNAME to."""
    return f"track.{settings.PLATFORM_DOMAIN}"


def dmarc_report_address() -> str:
    return f"dmarc@{settings.PLATFORM_DOMAIN}"


def spf_value() -> str:
    return f"v=spf1 include:{spf_include_host()} ~all"


def dkim_host(*, domain_name: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain_name}"


def dkim_value(*, public_key: str) -> str:
    return f"v=DKIM1; k=rsa; p={public_key}"


def dmarc_host(*, domain_name: str) -> str:
    return f"_dmarc.{domain_name}"


def dmarc_value() -> str:
    return f"v=DMARC1; p=none; rua=mailto:{dmarc_report_address()}"


@dataclass(frozen=True)
class RequiredRecord:
    key: str  # "spf" | "dkim" | "mx" | "dmarc"
    label: str  # SPF, DKIM, MX, DMARC
    rdtype: str  # TXT or MX
    host: str  # the full name the record is published at
    value: str  # the value to publish (for MX: the exchange host)
    priority: int | None  # MX preference, None for TXT
    required: bool  # DMARC is optional (recommended)
    bit: int  # the record's bit in SendCloud's ``verify`` mask


def required_records(*, domain_name: str, selector: str, public_key: str) -> list[RequiredRecord]:
    return [
        RequiredRecord("spf", "SPF", "TXT", domain_name, spf_value(), None, True, VerifyBit.SPF),
        RequiredRecord(
            "dkim",
            "DKIM",
            "TXT",
            dkim_host(domain_name=domain_name, selector=selector),
            dkim_value(public_key=public_key),
            None,
            True,
            VerifyBit.DKIM,
        ),
        RequiredRecord("mx", "MX", "MX", domain_name, mx_host(), MX_PRIORITY, True, VerifyBit.MX),
        RequiredRecord(
            "dmarc",
            "DMARC",
            "TXT",
            dmarc_host(domain_name=domain_name),
            dmarc_value(),
            None,
            False,
            VerifyBit.VERIFY_KEY,
        ),
    ]
