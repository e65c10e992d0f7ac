"""The X-SMTPAPI object (sendcloud-api-v2.md §5): raw JSON in the Web API, base64 JSON over SMTP."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from delivery.addresses import AddressError, Mailbox, parse_mailbox

MAX_RECIPIENTS = 100
MAX_BYTES = 1024 * 1024


class XSmtpApiError(ValueError):
    """``code`` is the statusCode the Web API answers (the SMTP ingress turns it into a 5xx)."""

    def __init__(self, code: int, detail: str):
        super().__init__(detail)
        self.code = code


@dataclass
class XSmtpApi:
    to: list[Mailbox] = field(default_factory=list)
    sub: dict = field(default_factory=dict)
    pubsub: dict = field(default_factory=dict)
    section: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


def _object(data: dict, key: str) -> dict:
    value = data.get(key)
    if value is None:  # SDKs serialise unset members as null
        return {}
    if not isinstance(value, dict):
        raise XSmtpApiError(40813, f"xsmtpapi.{key} must be a JSON object")
    return value


def parse_json(text: str) -> XSmtpApi:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise XSmtpApiError(40813, "xsmtpapi is larger than 1 MB")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise XSmtpApiError(40813, f"xsmtpapi is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise XSmtpApiError(40813, "xsmtpapi must be a JSON object")
    raw_to = data.get("to") or []
    if not isinstance(raw_to, list) or not all(isinstance(item, str) for item in raw_to):
        raise XSmtpApiError(40813, "xsmtpapi.to must be a list of addresses")
    if len(raw_to) > MAX_RECIPIENTS:
        raise XSmtpApiError(40827, f"xsmtpapi.to has {len(raw_to)} addresses, at most {MAX_RECIPIENTS}")
    to = []
    for item in raw_to:
        try:
            to.append(parse_mailbox(item))
        except AddressError as error:
            raise XSmtpApiError(40880, str(error)) from None
    result = XSmtpApi(
        to=to,
        sub=_object(data, "sub"),
        pubsub=_object(data, "pubsub"),
        section=_object(data, "section"),
        filters=_object(data, "filters"),
        settings=_object(data, "settings"),
    )
    for key, values in result.sub.items():
        if not isinstance(values, list):
            raise XSmtpApiError(40813, f"xsmtpapi.sub[{key!r}] must be a list")
        if to and len(values) < len(to):
            raise XSmtpApiError(
                40817, f"xsmtpapi.sub[{key!r}] has {len(values)} values for {len(to)} recipients in xsmtpapi.to"
            )
    return result


def parse_header(value: str) -> XSmtpApi:
    """The SMTP form: base64 of the JSON."""
    try:
        text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise XSmtpApiError(40813, "X-SMTPAPI is not base64-encoded JSON") from None
    return parse_json(text)
