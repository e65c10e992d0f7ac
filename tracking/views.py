"""Console pages: 投递回应 -> 打开点击 and 取消订阅, and 退订设置.

Each view parses its input, calls one selector or service and renders; every object is fetched
scoped to the signed-in account (another account's entry or API_USER is a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apiusers.selectors import access_api_user, list_api_users
from apiusers.services import ApiUserError
from delivery.models import EventType
from tracking import selectors, services
from tracking.forms import TrackFilterForm, UnsubscribeAddForm, UnsubscribePageForm
from tracking.public_views import REASONS
from tracking.selectors import UnsubscribeQuery, shown_address

PAGE_SIZE = 50
EVENT_LABELS = {EventType.OPEN: gettext_lazy("Open"), EventType.CLICK: gettext_lazy("Click")}
DEVICE_TYPES = {
    "desktop": gettext_lazy("Desktop"),
    "mobile": gettext_lazy("Mobile"),
    "tablet": gettext_lazy("Tablet"),
    "bot": gettext_lazy("Proxy or robot"),
    "other": gettext_lazy("Other"),
}
PREFETCHERS = {
    "apple-mail-privacy": gettext_lazy("Apple Mail Privacy Protection"),
    "gmail-image-proxy": gettext_lazy("Gmail image proxy"),
    "yahoo-mail-proxy": gettext_lazy("Yahoo Mail proxy"),
}
REASON_LABELS = dict(REASONS)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_version(name: str, version: str) -> str:
    return f"{name} {version}".strip()


# --- 打开点击 ------------------------------------------------------------------------------------------


@login_required
def opens(request):
    form = TrackFilterForm(request.GET, account=request.user)
    if not form.is_valid():
        return render(request, "tracking/opens.html", {"form": form, "page": None, "rows": []}, status=400)
    page = _page(request, selectors.tracking_events(account=request.user, query=form.query()))
    rows = []
    for event in page:
        detail = event.detail or {}
        rows.append({
            "event": event,
            "event_label": EVENT_LABELS.get(event.event, ""),
            "recipient": shown_address(account=request.user, address=event.email.recipient) if event.email else "",
            "ip": detail.get("ip", ""),
            "device_type": DEVICE_TYPES.get(detail.get("deviceType", ""), ""),
            "device": detail.get("device", ""),
            "browser": _with_version(detail.get("browser", ""), detail.get("browserVersion", "")),
            "os": _with_version(detail.get("os", ""), detail.get("osVersion", "")),
            "url": detail.get("url", ""),
            "unique": bool(detail.get("unique")),
            "prefetcher": PREFETCHERS.get(detail.get("prefetcher", ""), ""),
        })
    return render(request, "tracking/opens.html", {"form": form, "page": page, "rows": rows})


# --- 取消订阅 ------------------------------------------------------------------------------------------


def _unsubscribe_list(request, *, add_form, status=200):
    search = request.GET.get("q", "").strip()
    page = _page(request, selectors.unsubscribe_entries(account=request.user, query=UnsubscribeQuery(search=search)))
    rows = [
        {
            "entry": entry,
            "address": shown_address(account=request.user, address=entry.address),
            "domain": entry.address.rpartition("@")[2],
            "reason": REASON_LABELS.get(entry.reason, entry.reason),
        }
        for entry in page
    ]
    context = {"page": page, "rows": rows, "q": search, "add_form": add_form}
    return render(request, "tracking/unsubscribes.html", context, status=status)


@login_required
def unsubscribes(request):
    return _unsubscribe_list(request, add_form=UnsubscribeAddForm())


@login_required
@require_POST
def unsubscribe_add(request):
    form = UnsubscribeAddForm(request.POST)
    if not form.is_valid():
        return _unsubscribe_list(request, add_form=form, status=400)
    address = form.cleaned_data["email"]
    local, _at, domain = address.rpartition("@")
    address = f"{local}@{domain.lower()}"  # as addresses are stored at intake
    _row, created = services.add_unsubscribe(account=request.user, address=address, api_user=None)
    shown = shown_address(account=request.user, address=address)
    if created:
        messages.success(request, _("%(address)s was added to the unsubscribe list.") % {"address": shown})
    else:
        messages.success(request, _("%(address)s is already on the unsubscribe list.") % {"address": shown})
    return redirect("console:tracking:unsubscribes")


@login_required
@require_POST
def unsubscribe_delete(request, pk: int):
    entry = selectors.access_unsubscribe(account=request.user, pk=pk)
    services.delete_unsubscribes(entries=selectors.unsubscribe_entries(
        account=request.user, query=UnsubscribeQuery(email=entry.address)))
    shown = shown_address(account=request.user, address=entry.address)
    messages.success(request, _("%(address)s was removed from the unsubscribe list.") % {"address": shown})
    return redirect("console:tracking:unsubscribes")


# --- 退订设置 ------------------------------------------------------------------------------------------


def _settings_rows(account, *, bound_form=None, bound_pk=None):
    rows = []
    for api_user in list_api_users(account=account):
        if api_user.pk == bound_pk:
            form = bound_form
        else:
            form = UnsubscribePageForm(initial={
                "unsubscribe_page": "custom" if api_user.unsubscribe_page_url else "default",
                "unsubscribe_page_url": api_user.unsubscribe_page_url,
            }, prefix=f"u{api_user.pk}")
        rows.append({"api_user": api_user, "form": form})
    return rows


@login_required
def unsubscribe_settings(request):
    return render(request, "tracking/unsubscribe_settings.html", {"rows": _settings_rows(request.user)})


@login_required
@require_POST
def unsubscribe_settings_save(request, pk: int):
    api_user = access_api_user(account=request.user, pk=pk)
    form = UnsubscribePageForm(request.POST, prefix=f"u{api_user.pk}")
    if form.is_valid():
        try:
            services.set_unsubscribe_page(api_user=api_user, url=form.cleaned_data["unsubscribe_page_url"].strip())
        except ApiUserError as error:
            form.add_error("unsubscribe_page_url", error.reason)
    if not form.is_valid():
        rows = _settings_rows(request.user, bound_form=form, bound_pk=api_user.pk)
        return render(request, "tracking/unsubscribe_settings.html", {"rows": rows}, status=400)
    messages.success(request, _("The unsubscribe page of %(name)s was saved.") % {"name": api_user.name})
    return redirect("console:tracking:unsubscribe_settings")
