"""Console pages: 发送设置 -> API_USER.  Parse -> one service call -> render.

A new API_KEY is rendered straight into the response of the POST that created it (never stored,
never put in the session or a redirect), with caching forbidden, so it is shown exactly once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from apiusers import selectors, services
from apiusers.credentials import PREVIOUS_KEY_GRACE
from apiusers.forms import ApiUserForm, SettingsForm, TrackingForm
from apiusers.models import ApiUser

GRACE_MINUTES = int(PREVIOUS_KEY_GRACE.total_seconds() // 60)

SERVICE_ERROR_FIELDS = {
    41102: "email_type",
    41105: "domain_name",
    41106: "domain_name",
    41107: "domain_name",
    41108: "domain_name",
    41110: "name",
    41111: "name",
}


@sensitive_variables("new_key", "context")
def _list_page(request, *, new_key: str = "", key_owner: ApiUser | None = None, regenerated: bool = False):
    context = {
        "api_users": selectors.list_api_users(account=request.user),
        "limit": services.MAX_API_USERS_PER_ACCOUNT,
        "new_key": new_key,
        "key_owner": key_owner,
        "regenerated": regenerated,
        "grace_minutes": GRACE_MINUTES,
    }
    response = render(request, "apiusers/list.html", context)
    if new_key:
        add_never_cache_headers(response)
    return response


@login_required
def api_user_list(request):
    return _list_page(request)


def _add_service_error(form, error: services.ApiUserError) -> None:
    field = SERVICE_ERROR_FIELDS.get(error.status_code)
    if field not in form.fields:
        field = None
    form.add_error(field, error.reason)


@login_required
@sensitive_variables("api_key")
def api_user_create(request):
    domains = selectors.account_domains(account=request.user)
    tracking_domains = selectors.account_tracking_domains(account=request.user)
    form = ApiUserForm(request.POST or None, domains=domains, tracking_domains=tracking_domains)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            api_user, api_key = services.create_api_user(
                account=request.user,
                name=data["name"],
                email_type=data["email_type"],
                domain_name=data["domain_name"],
                open_tracking=data["open_tracking"],
                click_tracking=data["click_tracking"],
                unsubscribe_tracking=data["unsubscribe_tracking"],
                unsubscribe_page_url=data["unsubscribe_page_url"],
                sender_address=data["sender_address"],
                sender_name=data["sender_name"],
                tracking_domain_id=data["tracking_domain"],
            )
        except services.ApiUserError as error:
            _add_service_error(form, error)
        else:
            return _list_page(request, new_key=api_key, key_owner=api_user)
    return render(request, "apiusers/form.html", {"form": form, "creating": True, "has_domains": domains.exists()})


@login_required
def api_user_edit(request, pk: int):
    api_user = selectors.access_api_user(account=request.user, pk=pk)
    initial = {
        "open_tracking": api_user.open_tracking,
        "click_tracking": api_user.click_tracking,
        "unsubscribe_tracking": api_user.unsubscribe_tracking,
        "sender_address": api_user.sender_address,
        "sender_name": api_user.sender_name,
        "unsubscribe_page": "custom" if api_user.unsubscribe_page_url else "default",
        "unsubscribe_page_url": api_user.unsubscribe_page_url,
        "tracking_domain": api_user.tracking_domain_id,
    }
    tracking_domains = selectors.account_tracking_domains(account=request.user)
    form = SettingsForm(request.POST or None, initial=initial, tracking_domains=tracking_domains)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_settings(
                api_user=api_user,
                open_tracking=data["open_tracking"],
                click_tracking=data["click_tracking"],
                unsubscribe_tracking=data["unsubscribe_tracking"],
                unsubscribe_page_url=data["unsubscribe_page_url"],
                sender_address=data["sender_address"],
                sender_name=data["sender_name"],
                tracking_domain_id=data["tracking_domain"],
            )
        except services.ApiUserError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The settings of %(name)s were saved.") % {"name": api_user.name})
            return redirect("console:apiusers:list")
    return render(request, "apiusers/form.html", {"form": form, "creating": False, "api_user": api_user})


@login_required
@require_POST
def api_user_tracking(request, pk: int):
    api_user = selectors.access_api_user(account=request.user, pk=pk)
    form = TrackingForm(request.POST)
    form.is_valid()  # three optional checkboxes: always valid
    services.update_tracking(api_user=api_user, **form.cleaned_data)
    messages.success(request, _("The tracking switches of %(name)s were saved.") % {"name": api_user.name})
    return redirect("console:apiusers:list")


@login_required
@sensitive_variables("api_key")
def api_user_regenerate(request, pk: int):
    api_user = selectors.access_api_user(account=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "apiusers/regenerate_confirm.html", {"api_user": api_user, "grace_minutes": GRACE_MINUTES})
    api_key = services.regenerate_api_key(api_user=api_user)
    return _list_page(request, new_key=api_key, key_owner=api_user, regenerated=True)
