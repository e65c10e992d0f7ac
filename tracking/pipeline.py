"""The tracking step of the outbound pipeline (``delivery.pipeline.MESSAGE_STEPS``), run per email
after the MIME build and before DKIM signing, so the signature covers what it adds.

Per email, from the API_USER's switches overridden by the request's ``xsmtpapi.filters``:
* click: every http(s) link of the HTML goes through a signed tracking URL;
* unsubscribe: ``%%user_defined_unsubscribe_link%%`` becomes the email's unsubscribe URL, or a
  footer in the account's language is added to a part without it; ``List-Unsubscribe`` (https and
  mailto) and ``List-Unsubscribe-Post`` (RFC 8058) headers;
* open: a 1x1 transparent image at the end of the HTML body.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from email.message import EmailMessage

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from delivery.models import Email
from tracking import links
from tracking.rewriting import UNSUBSCRIBE_PLACEHOLDER, rewrite_html

# xsmtpapi.filters keys (sendcloud-api-v2.md §5); "unsubscribe_tracking" is accepted as an alias.
FILTER_KEYS = {
    "open": ("open_tracking",),
    "click": ("click_tracking",),
    "unsubscribe": ("subscription_tracking", "unsubscribe_tracking"),
}
FOOTER_STYLE = "margin:16px 0 0;font-size:12px;line-height:1.5;color:#888888;text-align:center"
LINK_STYLE = "color:#888888;text-decoration:underline"
PIXEL = '<img src="{url}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />'


@dataclass(frozen=True)
class TrackingOptions:
    open: bool
    click: bool
    unsubscribe: bool


def _enable_value(item: object) -> bool | None:
    """``{"settings": {"enable": "0"|"1"}}`` -> False/True; anything unreadable -> None (no override)."""
    if not isinstance(item, dict) or not isinstance(item.get("settings"), dict):
        return None
    value = item["settings"].get("enable")
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return value.strip().lower() in ("1", "true")
    return None


def tracking_options(*, api_user, filters: dict | None) -> TrackingOptions:
    """The API_USER's switches, each overridden by ``filters`` when the request sets it."""
    defaults = {
        "open": api_user.open_tracking,
        "click": api_user.click_tracking,
        "unsubscribe": api_user.unsubscribe_tracking,
    }
    filters = filters if isinstance(filters, dict) else {}
    chosen = {}
    for switch, default in defaults.items():
        override = next(
            (value for key in FILTER_KEYS[switch] if (value := _enable_value(filters.get(key))) is not None), None
        )
        chosen[switch] = default if override is None else override
    return TrackingOptions(**chosen)


class RawHeader(str):
    """A header value serialised exactly as given, folded only between its comma-separated items.

    The email package would otherwise turn a long URL into RFC 2047 encoded words, which no mail
    client reads as a List-Unsubscribe target.  Lines may exceed 78 characters (RFC 5322 allows 998).
    """

    def __new__(cls, name: str, items: list[str]):
        value = super().__new__(cls, ", ".join(items))
        value.name = name
        value.items = items
        return value

    def fold(self, *, policy) -> str:
        return f"{self.name}: " + f",{policy.linesep} ".join(self.items) + policy.linesep


def _body_parts(message: EmailMessage):
    """The first text/html and the first text/plain part that are the body, not attachments."""
    html_part = plain_part = None
    for part in message.walk():
        if part.is_multipart() or part.is_attachment():
            continue
        content_type = part.get_content_type()
        if content_type == "text/html" and html_part is None:
            html_part = part
        elif content_type == "text/plain" and plain_part is None:
            plain_part = part
    return html_part, plain_part


def _footer_html(url: str) -> str:
    sentence = _('If you no longer wish to receive these emails, you can <a href="%(url)s" style="%(style)s">unsubscribe</a>.') % {
        "url": html_lib.escape(url, quote=True),
        "style": LINK_STYLE,
    }
    return f'<p style="{FOOTER_STYLE}">{sentence}</p>'


def _footer_plain(url: str) -> str:
    return "\n\n" + _("Unsubscribe: %(url)s") % {"url": url} + "\n"


def apply_tracking(email: Email, message: EmailMessage) -> EmailMessage:
    request = email.request
    api_user = request.api_user
    options = tracking_options(api_user=api_user, filters=request.filters)
    html_part, plain_part = _body_parts(message)
    html = html_part.get_content() if html_part is not None else None
    plain = plain_part.get_content() if plain_part is not None else None
    # The placeholder is always honoured (the sender wrote it on purpose); the footer and the
    # List-Unsubscribe headers follow the switch.
    uses_placeholder = any(text and UNSUBSCRIBE_PLACEHOLDER in text for text in (html, plain))
    if not (options.open or options.click or options.unsubscribe or uses_placeholder):
        return message

    base = links.tracking_base(api_user)
    unsubscribe_url = links.unsubscribe_link(base, email, api_user)
    with translation.override(email.account.language or settings.LANGUAGE_CODE):
        if html is not None:
            append = ""
            if options.unsubscribe and UNSUBSCRIBE_PLACEHOLDER not in html:
                append += _footer_html(unsubscribe_url)
            if options.open:
                append += PIXEL.format(url=html_lib.escape(links.open_url(base, email), quote=True))
            click = (lambda index, url: links.click_url(base, email, index, url)) if options.click else None
            new_html = rewrite_html(html, click_url=click, append=append).html
            new_html = new_html.replace(UNSUBSCRIBE_PLACEHOLDER, html_lib.escape(unsubscribe_url, quote=True))
            if new_html != html:
                html_part.set_content(new_html, subtype="html", charset="utf-8")
        if plain is not None:
            new_plain = plain.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url)
            if options.unsubscribe and UNSUBSCRIBE_PLACEHOLDER not in plain:
                new_plain = new_plain.rstrip("\n") + _footer_plain(unsubscribe_url)
            if new_plain != plain:
                plain_part.set_content(new_plain, subtype="plain", charset="utf-8")

    # A List-Unsubscribe the sender set in `headers` wins; ours is added only when there is none.
    if (options.unsubscribe or uses_placeholder) and "List-Unsubscribe" not in message:
        message["List-Unsubscribe"] = RawHeader(
            "List-Unsubscribe", [f"<{links.one_click_url(base, email)}>", f"<{links.unsubscribe_mailto(email)}>"]
        )
        if "List-Unsubscribe-Post" not in message:
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def register() -> None:
    """Join the delivery pipeline once (AppConfig.ready may run more than once in tests)."""
    from delivery.pipeline import MESSAGE_STEPS

    if apply_tracking not in MESSAGE_STEPS:
        MESSAGE_STEPS.append(apply_tracking)
