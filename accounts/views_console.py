"""Console page 发送设置 -> 设置选项 (/console/settings/): the account's own switches."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services


class SettingsForm(forms.Form):
    mask_recipients = forms.BooleanField(
        label=gettext_lazy("Mask recipient addresses"), required=False,
        help_text=gettext_lazy("Show recipients as a***@example.com on the delivery pages and in the sandbox inbox."),
    )
    templates_need_review = forms.BooleanField(
        label=gettext_lazy("Templates need review"), required=False,
        help_text=gettext_lazy("A new or edited template can be sent only after an operator approves it."),
    )


@login_required
def settings_page(request):
    account = request.user
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            services.update_settings(account=account, **form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("console:accounts:settings")
    else:
        form = SettingsForm(initial={"mask_recipients": account.mask_recipients,
                                     "templates_need_review": account.templates_need_review})
    return render(request, "accounts/console_settings.html", {"form": form})
