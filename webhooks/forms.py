"""Console forms: they only parse input; the rules live in webhooks.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks import vocabulary

ALL = "all"


class WebhookForm(forms.Form):
    """创建Webhook / edit: events, API_USER, URL."""

    events = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, vocabulary.LABELS[name]) for name in vocabulary.EMAIL_EVENT_NAMES],
        error_messages={"required": _("Choose at least one event.")},
    )
    api_user = forms.ChoiceField(label="API_USER")
    url = forms.CharField(
        label=_("URL"),
        max_length=1000,
        help_text=_("The URL must answer both GET and POST with HTTP 200 within 3 seconds; it is tested when saved."),
    )

    def __init__(self, *args, api_user_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_user"].choices = [(ALL, _("All API_USERs"))] + [(name, name) for name in api_user_names]


class SimulateForm(forms.Form):
    event = forms.TypedChoiceField(
        label=_("Event"),
        coerce=int,
        choices=[(vocabulary.CODES[name], vocabulary.LABELS[name]) for name in vocabulary.EMAIL_EVENT_NAMES],
    )
