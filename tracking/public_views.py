"""The tracking endpoints recipients' mail clients reach (mounted at ``/t/``), on the platform's host
and on every verified custom tracking domain.

Every link carries a signed token (``tracking.tokens``): a tampered or unknown token, a Host that is
not a tracking host, or another account's custom domain is a 404 — never a redirect.  A GET never
unsubscribes (mail scanners fetch links): the page asks, its POST or RFC 8058's one-click POST acts.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from delivery.models import Email
from tracking import selectors, services, tokens
from tracking.clients import client_from
from tracking.hosts import tracking_host

# A 1x1 transparent GIF (43 bytes).
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_CACHE = {
    "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}
REASONS = [
    ("not_interested", _("I am no longer interested in these emails")),
    ("too_frequent", _("I receive too many emails")),
    ("not_relevant", _("The content is not relevant to me")),
    ("never_signed_up", _("I never signed up for these emails")),
    ("other", _("Another reason")),
]
REASON_CODES = {code for code, _label in REASONS}


def _email(request, kind: str, token: str) -> Email:
    host = tracking_host(request)
    email_pk = tokens.read_email_token(kind, token)
    email = selectors.email_for_link(email_pk) if email_pk is not None else None
    if email is None or not host.serves(email.account_id):
        raise Http404("unknown tracking link")
    return email


def _no_cache(response: HttpResponse) -> HttpResponse:
    for name, value in NO_CACHE.items():
        response[name] = value
    return response


def _ascii_location(url: str) -> str:
    """An internationalised host as IDNA (the path and query are %-encoded by the redirect)."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.isascii() or hostport.startswith("["):
        return url
    host, colon, port = hostport.partition(":")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return url
    return urlunsplit((parts.scheme, f"{userinfo}{at}{host}{colon}{port}", parts.path, parts.query, parts.fragment))


@require_http_methods(["GET", "HEAD"])
def open_pixel(request, token: str):
    email = _email(request, tokens.OPEN, token)
    if request.method == "GET":
        services.record_open(email=email, client=client_from(request.META))
    return _no_cache(HttpResponse(PIXEL_GIF, content_type="image/gif"))


@require_http_methods(["GET", "HEAD"])
def click(request, token: str):
    host = tracking_host(request)
    found = tokens.read_click_token(token)
    email = selectors.email_for_link(found[0]) if found is not None else None
    if email is None or not host.serves(email.account_id):
        raise Http404("unknown tracking link")
    _pk, index, url = found
    if request.method == "GET":
        services.record_click(email=email, client=client_from(request.META), url=url, link_index=index)
    return _no_cache(HttpResponseRedirect(_ascii_location(url)))


def _language(email: Email) -> str:
    return email.account.language or settings.LANGUAGE_CODE


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_page(request, token: str):
    """GET: the confirmation page (with an optional reason); POST: unsubscribe."""
    email = _email(request, tokens.UNSUBSCRIBE, token)
    state = "confirm"
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        services.unsubscribe_email(email=email, client=client_from(request.META), source="page",
                                   reason=reason if reason in REASON_CODES else "")
        state = "done"
    elif services.is_unsubscribed(email=email):
        state = "already"
    with translation.override(_language(email)):
        context = {
            "state": state,
            "address": email.recipient,
            "sender_domain": email.request.from_address.rpartition("@")[2],
            "reasons": REASONS,
        }
        response = render(request, "tracking/unsubscribe.html", context)
    return _no_cache(response)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def one_click(request, token: str):
    """RFC 8058: the mailbox provider POSTs ``List-Unsubscribe=One-Click`` here; no page, no cookies.
    A GET (a person who opened the URL) is sent to the confirmation page instead."""
    email = _email(request, tokens.UNSUBSCRIBE, token)
    if request.method != "POST":
        return redirect("tracking_public:unsubscribe", token=token)
    services.unsubscribe_email(email=email, client=client_from(request.META), source="one-click")
    return _no_cache(HttpResponse("unsubscribed\n", content_type="text/plain; charset=utf-8"))
