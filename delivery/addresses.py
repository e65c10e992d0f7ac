"""E-mail addresses as SendCloud clients send them: ``addr``, ``Name <addr>``, RFC 2047 names."""

from __future__ import annotations

from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

FORBIDDEN_CHARACTERS = ("\r", "\n", "\x00")


class AddressError(ValueError):
    pass


@dataclass(frozen=True)
class Mailbox:
    address: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


def has_forbidden_characters(value: str) -> bool:
    """CR, LF or NUL: header injection or SMTP smuggling material (targets S4)."""
    return any(char in value for char in FORBIDDEN_CHARACTERS)


def decode_name(name: str) -> str:
    """``=?utf-8?B?...?=`` display names decoded; plain text unchanged."""
    if "=?" not in name:
        return name
    try:
        return str(make_header(decode_header(name)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return name


def parse_mailbox(text: str) -> Mailbox:
    """One ``addr`` or ``Name <addr>``; the domain is lower-cased, the local part kept as given."""
    if has_forbidden_characters(text):
        raise AddressError(f"{text!r} contains CR, LF or NUL")
    text = text.strip()
    name, address = parseaddr(text)
    if not address or "@" not in address or (("<" in text) != (">" in text)):
        raise AddressError(f"{text!r} is not an e-mail address")
    try:
        validate_email(address)
    except ValidationError:
        raise AddressError(f"{text!r} is not an e-mail address") from None
    local, domain = address.rsplit("@", 1)
    return Mailbox(address=f"{local}@{domain.lower()}", name=decode_name(name).strip())
