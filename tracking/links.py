"""The URLs put into an email: open pixel, click links, unsubscribe page, one-click and mailto targets.

Links go to the API_USER's verified custom tracking domain (https when it has a certificate), or to
the platform's own host (``PUBLIC_URL``).  The paths are those of ``tracking.public_urls``, mounted
at ``/t/`` by ``sendcloud/urls.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse

from apiusers.models import ApiUser
from delivery.models import Email
from tracking import tokens


def tracking_base(api_user: ApiUser) -> str:
    """``scheme://host`` of the links of ``api_user``'s mail."""
    tracking_domain = api_user.usable_tracking_domain
    if tracking_domain is None:
        return settings.PUBLIC_URL
    return f"{'https' if tracking_domain.https else 'http'}://{tracking_domain.name}"


def open_url(base: str, email: Email) -> str:
    return base + reverse("tracking_public:open", args=[tokens.email_token(tokens.OPEN, email.pk)])


def click_url(base: str, email: Email, index: int, url: str) -> str:
    return base + reverse("tracking_public:click", args=[tokens.click_token(email.pk, index, url)])


def unsubscribe_page_url(base: str, email: Email) -> str:
    return base + reverse("tracking_public:unsubscribe", args=[tokens.email_token(tokens.UNSUBSCRIBE, email.pk)])


def one_click_url(base: str, email: Email) -> str:
    """RFC 8058's target: a POST here unsubscribes without a page."""
    return base + reverse("tracking_public:one_click", args=[tokens.email_token(tokens.UNSUBSCRIBE, email.pk)])


def unsubscribe_mailto(email: Email) -> str:
    """``mailto:unsubscribe+<token>@<PLATFORM_DOMAIN>``; the token is case-insensitive and short
    enough (<= 64 octets with the prefix) for a local part.  Mail to it is handled by the inbound
    server (a later issue); until then the https target is the one that works."""
    return f"mailto:unsubscribe+{tokens.email_token(tokens.UNSUBSCRIBE, email.pk)}@{settings.PLATFORM_DOMAIN}"


def custom_page_url(page_url: str, email: Email) -> str:
    """The customer's own unsubscribe page with ``email``, ``emailId`` and ``token`` appended to its
    query (existing parameters kept), so that page can call ``/apiv2/unsubscribe/add`` or POST the
    token to our one-click URL."""
    parts = urlsplit(page_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("email", email.recipient),
        ("emailId", email.email_id),
        ("token", tokens.email_token(tokens.UNSUBSCRIBE, email.pk)),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def unsubscribe_link(base: str, email: Email, api_user: ApiUser) -> str:
    """What ``%%user_defined_unsubscribe_link%%`` and the default footer point to."""
    if api_user.unsubscribe_page_url:
        return custom_page_url(api_user.unsubscribe_page_url, email)
    return unsubscribe_page_url(base, email)
