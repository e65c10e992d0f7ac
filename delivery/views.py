"""Console pages: 投递回应 -> 邮件状态 and 退信地址, and 沙箱收件箱.

Each view parses its input, calls one selector (or service) and renders.  Every object is fetched
scoped to the signed-in account: another account's email, bounce entry or sandbox message is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from delivery import console_selectors, console_services
from delivery.console_selectors import DkimResult, masked_text, shown_address, shown_email_id
from delivery.forms import STATUS_LABELS, STATUS_ORDER, TYPE_LABELS, StatusFilterForm
from delivery.models import EmailStatus, EventType
from delivery.selectors import status_counts

PAGE_SIZE = 50

# English wording of SendCloud's sub-statuses; the zh_Hans translations are SUB_STATUS_TEXT's own words.
SUB_STATUS_LABELS = {
    401: pgettext_lazy("sub-status", "On the SendCloud block list"),
    402: pgettext_lazy("sub-status", "Unsubscribed"),
    403: pgettext_lazy("sub-status", "Recipient server unreachable"),
    404: pgettext_lazy("sub-status", "Malformed address"),
    405: pgettext_lazy("sub-status", "IP or domain rejected"),
    406: pgettext_lazy("sub-status", "Address does not exist"),
    407: pgettext_lazy("sub-status", "Spam"),
    408: pgettext_lazy("sub-status", "Sender or recipient rejected"),
    409: pgettext_lazy("sub-status", "Other"),
    503: pgettext_lazy("sub-status", "Service unavailable"),
    505: pgettext_lazy("sub-status", "IP or domain rejected"),
    506: pgettext_lazy("sub-status", "Mailbox does not exist"),
    507: pgettext_lazy("sub-status", "Rejected by anti-spam"),
    508: pgettext_lazy("sub-status", "Sender or recipient rejected"),
    509: pgettext_lazy("sub-status", "Other"),
}

DKIM_TEXT = {
    DkimResult.VERIFIES: gettext_lazy("verifies against the domain's key"),
    DkimResult.FAILS: gettext_lazy("does not verify"),
    DkimResult.UNSIGNED: gettext_lazy("not signed"),
}


# Put first in the HTML preview: nothing remote loads (so viewing a tracked message does not fetch its
# open pixel and record an open) and no script runs, even before the iframe's sandbox applies.
PREVIEW_POLICY = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:\">"
)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _status_text(status: int, sub_status: int | None) -> dict:
    return {
        "code": status,
        "label": STATUS_LABELS[EmailStatus(status)],
        # Only invalid mail and soft bounces have a sub-status worth showing.
        "sub_label": SUB_STATUS_LABELS.get(sub_status, "") if status in (EmailStatus.INVALID, EmailStatus.SOFT_BOUNCE)
        else "",
        "sub_status": sub_status,
    }


# --- 邮件状态 ------------------------------------------------------------------------------------------


@login_required
def email_status(request):
    form = StatusFilterForm(request.GET, account=request.user)
    if not form.is_valid():
        context = {"form": form, "tabs": [], "page": None, "rows": []}
        return render(request, "delivery/status_list.html", context, status=400)
    counts = status_counts(account=request.user, query=form.query(with_status=False))
    current = form.cleaned_data["status"]
    tabs = [{"code": None, "label": _("All"), "count": sum(counts.values()), "current": current is None}]
    tabs += [
        {"code": status.value, "label": STATUS_LABELS[status], "count": counts[status], "current": current == status}
        for status in STATUS_ORDER
    ]
    page = _page(request, console_selectors.status_emails(account=request.user, query=form.query()))
    rows = [
        {
            "email": email,
            "status": _status_text(email.status, email.sub_status),
            "recipient": shown_address(account=request.user, address=email.recipient),
            "type_label": TYPE_LABELS.get(email.request.email_type, ""),
            "last_log": masked_text(account=request.user, text=email.last_log, address=email.recipient),
        }
        for email in page
    ]
    return render(request, "delivery/status_list.html", {"form": form, "tabs": tabs, "page": page, "rows": rows})


@login_required
def email_detail(request, pk: int):
    email = console_selectors.access_email(account=request.user, email_pk=pk)

    def masked(text):
        return masked_text(account=request.user, text=text, address=email.recipient)

    events = [
        {"event": event, "name": EventType(event.event).label, "sub_label": SUB_STATUS_LABELS.get(event.sub_status, ""),
         # A request-level event's detail lists every recipient of the request: not this email's to show.
         "detail": [(key, masked(value)) for key, value in sorted(event.detail.items())]
         if event.email_id is not None else []}
        for event in console_selectors.email_events(email=email)
    ]
    attempts = [
        {"attempt": attempt, "reply": masked(attempt.reply)}
        for attempt in console_selectors.email_attempts(email=email)
    ]
    context = {
        "email": email,
        "email_id": shown_email_id(account=request.user, email=email),
        "status": _status_text(email.status, email.sub_status),
        "recipient": shown_address(account=request.user, address=email.recipient),
        "type_label": TYPE_LABELS.get(email.request.email_type, ""),
        "last_log": masked(email.last_log),
        "events": events,
        "attempts": attempts,
    }
    return render(request, "delivery/status_detail.html", context)


# --- 退信地址 ------------------------------------------------------------------------------------------


@login_required
def bounce_list(request):
    search = request.GET.get("q", "").strip()
    page = _page(request, console_selectors.bounce_entries(account=request.user, search=search))
    rows = [
        {"entry": entry, "address": shown_address(account=request.user, address=entry.address),
         "domain": entry.address.rpartition("@")[2],
         "reason": masked_text(account=request.user, text=entry.reason, address=entry.address)}
        for entry in page
    ]
    return render(request, "delivery/bounce_list.html", {"page": page, "rows": rows, "q": search})


@login_required
@require_POST
def bounce_delete(request, pk: int):
    address = console_services.delete_bounce(account=request.user, bounce_pk=pk)
    shown = shown_address(account=request.user, address=address)
    messages.success(request, _("%(address)s was removed from the bounce list.") % {"address": shown})
    return redirect("console:delivery:bounces")


# --- 沙箱收件箱 ----------------------------------------------------------------------------------------


@login_required
def sandbox_list(request):
    page = _page(request, console_selectors.sandbox_messages(account=request.user))
    rows = [
        {"message": message, "recipient": shown_address(account=request.user, address=message.recipient),
         "subject": console_selectors.sandbox_subject(message)}
        for message in page
    ]
    return render(request, "delivery/sandbox_list.html", {"page": page, "rows": rows})


@login_required
def sandbox_detail(request, pk: int):
    message = console_selectors.access_sandbox_message(account=request.user, message_pk=pk)
    view = console_selectors.sandbox_view(account=request.user, message=message)
    context = {
        "message": message,
        "view": view,
        "recipient": shown_address(account=request.user, address=message.recipient),
        "email_id": shown_email_id(account=request.user, email=message.email),
        "dkim_text": DKIM_TEXT[view.dkim],
        "srcdoc": PREVIEW_POLICY + view.html if view.html is not None else None,
    }
    return render(request, "delivery/sandbox_detail.html", context)
