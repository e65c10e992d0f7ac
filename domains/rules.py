"""Rules for domain names and limits, and the one error type the domains app raises.

``DomainError`` carries SendCloud's statusCode (41001–41016, sendcloud-api-v2.md §3) for the Web API
and a translated sentence for the console.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

MAX_DOMAINS = 5  # sending domains per account; the test domain does not count
MAX_TRACKING_DOMAINS = 5
MAX_NAME_LENGTH = 250

# statusCodes (sendcloud-api-v2.md §3)
NAME_EMPTY = 41001
NAME_LENGTH = 41002
NAME_INVALID = 41003
NEW_NAME_EMPTY = 41004
NEW_NAME_LENGTH = 41005
NEW_NAME_INVALID = 41006
TOO_MANY = 41012
MULTIPLE_NAMES = 41013
NOT_FOUND = 41014
CREATE_FAILED = 41015
UPDATE_FAILED = 41016

NAME_CODES = (NAME_EMPTY, NAME_LENGTH, NAME_INVALID)
NEW_NAME_CODES = (NEW_NAME_EMPTY, NEW_NAME_LENGTH, NEW_NAME_INVALID)

# Brands that may not appear in customers' domain names (SendCloud refuses "sendcloud" and "ifaxin");
# the first label of PLATFORM_DOMAIN joins them unless it is a generic host word like "mail".
BRANDS = ("sendcloud", "ifaxin")
GENERIC_LABELS = {"mail", "email", "smtp", "mx", "www", "send", "api", "app", "mta", "edm", "m", "e", "em"}

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class DomainError(Exception):
    """A refusal: ``code`` for the Web API, ``message`` (translated) for people."""

    def __init__(self, code: int, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def brand_words() -> list[str]:
    words = list(BRANDS)
    first = settings.PLATFORM_DOMAIN.split(".")[0]
    if len(first) >= 3 and first not in GENERIC_LABELS and first not in words:
        words.append(first)
    return words


def normalize_name(raw: str | None) -> str:
    return (raw or "").strip().rstrip(".").lower()


def validate_name(raw: str | None, *, codes: tuple[int, int, int] = NAME_CODES) -> str:
    """The lower-cased host name, or ``DomainError`` with the empty / length / invalid code given."""
    empty_code, length_code, invalid_code = codes
    name = normalize_name(raw)
    if not name:
        raise DomainError(empty_code, _("Enter a domain name."))
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(
            length_code, _("A domain name has at most %(max)d characters.") % {"max": MAX_NAME_LENGTH}
        )
    labels = name.split(".")
    if (
        not name.isascii()
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise DomainError(
            invalid_code,
            _(
                "“%(name)s” is not a domain name: use letters, digits and hyphens in labels separated "
                "by dots, such as mail.example.com."
            )
            % {"name": name},
        )
    platform = settings.PLATFORM_DOMAIN
    if name == platform or name.endswith("." + platform):
        raise DomainError(invalid_code, _("Names under %(platform)s are reserved.") % {"platform": platform})
    for word in brand_words():
        if word in name:
            raise DomainError(
                invalid_code, _("Domain names containing “%(brand)s” are not allowed.") % {"brand": word}
            )
    return name
