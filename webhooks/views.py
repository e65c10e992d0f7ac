"""Console pages: 发送设置 -> WebHook.  Parse -> one service call -> render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from webhooks import selectors, services, vocabulary
from webhooks.forms import ALL, SimulateForm, WebhookForm
from webhooks.models import DeliveryStatus

SERVICE_ERROR_FIELDS = {40701: "api_user", 40702: "api_user", 40703: "events", 40704: "events",
                        40705: "url", 40706: "url", 40707: "url", 40708: "url"}


def _api_user_names(account) -> list[str]:
    return list(selectors.account_api_users(account=account).values_list("name", flat=True))


def _event_labels(names) -> list[str]:
    return [str(vocabulary.LABELS[name]) for name in names if name in vocabulary.LABELS]


@login_required
def webhook_list(request):
    hooks = list(selectors.console_webhooks(account=request.user))
    for hook in hooks:
        hook.event_labels = _event_labels(hook.events)
    context = {"webhooks": hooks, "app_key": request.user.app_key, "simulate_form": SimulateForm()}
    return render(request, "webhooks/list.html", context)


def _service_error(form, error: services.WebhookError) -> None:
    form.add_error(SERVICE_ERROR_FIELDS.get(error.status_code), error.reason)


@login_required
def webhook_create(request):
    form = WebhookForm(request.POST or None, api_user_names=_api_user_names(request.user),
                       initial={"events": vocabulary.EMAIL_EVENT_NAMES})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_webhook(account=request.user, url=data["url"], category_name=data["api_user"],
                                    events=data["events"])
        except services.WebhookError as error:
            _service_error(form, error)
        else:
            messages.success(request, _("The webhook was created: its URL answered the test."))
            return redirect("console:webhooks:list")
    return render(request, "webhooks/form.html", {"form": form, "creating": True})


@login_required
def webhook_edit(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    initial = {"events": webhook.events, "api_user": webhook.api_user.name if webhook.api_user_id else ALL,
               "url": webhook.url}
    form = WebhookForm(request.POST or None, api_user_names=_api_user_names(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The console has no checkbox for "route": keep it when the Web API had subscribed to it.
        events = data["events"] + ([vocabulary.ROUTE] if vocabulary.ROUTE in webhook.events else [])
        try:
            services.update_webhook(webhook=webhook, url=data["url"], category_name=data["api_user"], events=events)
        except services.WebhookError as error:
            _service_error(form, error)
        else:
            messages.success(request, _("The webhook was saved."))
            return redirect("console:webhooks:list")
    return render(request, "webhooks/form.html", {"form": form, "creating": False, "webhook": webhook})


@login_required
@require_POST
def webhook_delete(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    services.delete_webhook(webhook=webhook)
    messages.success(request, _("The webhook %(url)s was deleted.") % {"url": webhook.url})
    return redirect("console:webhooks:list")


@login_required
@require_POST
def webhook_refresh(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    result = services.refresh(webhook=webhook)
    if result.ok:
        messages.success(request, _("The URL answered the test: the webhook is available."))
    else:
        messages.error(request, _("The URL failed the test: %(reason)s") % {"reason": result.reason})
    return redirect("console:webhooks:list")


@login_required
def webhook_simulate(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    form = SimulateForm(request.POST or None)
    simulation = None
    if request.method == "POST" and form.is_valid():
        simulation = services.simulate(webhook=webhook, event_type=form.cleaned_data["event"])
    context = {
        "webhook": webhook,
        "form": form,
        "simulation": simulation,
        "reply_text": simulation.reply.body.decode("utf-8", errors="replace") if simulation else "",
        "fields": sorted(simulation.fields.items()) if simulation else [],
    }
    return render(request, "webhooks/simulate.html", context)


@login_required
def webhook_log(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    context = {
        "webhook": webhook,
        "event_labels": _event_labels(webhook.events),
        "deliveries": selectors.recent_deliveries(webhook=webhook, status=status),
        "attempts": selectors.recent_attempts(webhook=webhook),
        "replayable": selectors.replayable_count(webhook=webhook),
        "status": status,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, "webhooks/log.html", context)


@login_required
@require_POST
def webhook_replay(request, pk: int):
    webhook = selectors.access_webhook(account=request.user, pk=pk)
    delivery_id = request.POST.get("delivery", "")
    ids = [int(delivery_id)] if delivery_id.isdigit() else None
    try:
        count = services.replay(webhook=webhook, delivery_ids=ids)
    except services.NotAvailable:
        messages.error(request, _("The webhook is unavailable: refresh it first, then replay."))
    else:
        messages.success(request, ngettext("%(count)d delivery will be sent again.",
                                           "%(count)d deliveries will be sent again.", count) % {"count": count})
    return redirect("console:webhooks:log", pk=webhook.pk)


@login_required
def app_key_regenerate(request):
    if request.method != "POST":
        return render(request, "webhooks/app_key_confirm.html")
    services.regenerate_app_key(account=request.user)
    messages.success(request, _("A new APP KEY was generated; webhook POSTs are signed with it from now on."))
    return redirect("console:webhooks:list")
