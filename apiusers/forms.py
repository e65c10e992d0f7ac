"""Console forms: they only parse input; the rules live in apiusers.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apiusers.models import EmailType

TYPE_CHOICES = [(EmailType.TRIGGER, _("Trigger")), (EmailType.BATCH, _("Batch"))]
UNSUBSCRIBE_PAGE_CHOICES = [("default", _("System default")), ("custom", _("Custom URL"))]
DOMAIN_STATUS_LABELS = {"unverified": _("Unverified"), "usable": _("Usable"), "verified": _("Verified")}


class TrackingForm(forms.Form):
    open_tracking = forms.BooleanField(required=False, label=_("Open tracking"))
    click_tracking = forms.BooleanField(required=False, label=_("Click tracking"))
    unsubscribe_tracking = forms.BooleanField(required=False, label=_("Unsubscribe tracking"))


class SettingsForm(TrackingForm):
    """Sender, unsubscribe page and switches of an existing API_USER."""

    sender_address = forms.CharField(
        required=False,
        max_length=254,
        label=_("Sender address"),
        help_text=_("Optional. Shown as From/Sender so mailboxes do not say \"sent on behalf of\"; on the API_USER's domain."),
    )
    sender_name = forms.CharField(required=False, max_length=100, label=_("Sender name"))
    unsubscribe_page = forms.ChoiceField(
        choices=UNSUBSCRIBE_PAGE_CHOICES, initial="default", widget=forms.RadioSelect, label=_("Unsubscribe page")
    )
    unsubscribe_page_url = forms.CharField(required=False, max_length=500, label=_("Custom unsubscribe page URL"))
    tracking_domain = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Tracking domain"),
        help_text=_("Host of the open, click and unsubscribe links. Only a verified tracking domain can be chosen."),
    )

    def __init__(self, *args, tracking_domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracking_domain"].choices = [("", _("System default"))] + [
            (tracking_domain.pk, f"{tracking_domain.name} ({_('Verified') if tracking_domain.verified else _('Unverified')})")
            for tracking_domain in tracking_domains
        ]

    def clean(self):
        data = super().clean()
        if data.get("unsubscribe_page") != "custom":
            data["unsubscribe_page_url"] = ""
        elif not data.get("unsubscribe_page_url"):
            self.add_error("unsubscribe_page_url", _("Enter the URL of your unsubscribe page."))
        return data


class ApiUserForm(SettingsForm):
    """创建新的 API_USER."""

    field_order = ["name", "email_type", "domain_name"]

    name = forms.CharField(
        max_length=200,
        label=_("Name"),
        help_text=_("6 to 64 characters: letters, digits, _ @ - and ."),
    )
    email_type = forms.TypedChoiceField(choices=TYPE_CHOICES, coerce=int, initial=EmailType.TRIGGER, label=_("Type"))
    domain_name = forms.ChoiceField(label=_("Domain"))

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)  # tracking_domains passes through to SettingsForm
        self.fields["domain_name"].choices = [
            (domain.name, f"{domain.name} ({DOMAIN_STATUS_LABELS.get(domain.status, domain.status)})")
            for domain in domains
        ]
        for switch in ("open_tracking", "click_tracking", "unsubscribe_tracking"):
            self.fields[switch].initial = True  # all three default to on
