"""Console forms: they only read input; the rules live in services and come back as ApiError codes."""

from __future__ import annotations

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from templates_app.models import TemplateType
from templates_app.rendering import raw_tokens_from

TYPE_CHOICES = [(TemplateType.TRIGGER, _("Trigger")), (TemplateType.BATCH, _("Batch"))]


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=255)
    invoke_name = forms.CharField(
        label=_("Invoke name"),
        max_length=250,
        help_text=_("Used as templateInvokeName when sending. Letters, digits, _ and -; cannot be changed later."),
    )
    template_type = forms.TypedChoiceField(label=_("Type"), choices=TYPE_CHOICES, coerce=int)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    html = forms.CharField(
        label=_("HTML content"), widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}), strip=False
    )
    plain = forms.CharField(
        label=_("Plain text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Leave empty to derive it from the HTML."),
    )
    raw_variables = forms.CharField(
        label=_("Raw HTML variables"),
        required=False,
        help_text=_(
            "Names of variables whose values are trusted HTML, inserted into the HTML part without escaping "
            "(e.g. content, footer), separated by commas. Other values are escaped."
        ),
    )
    submit_for_review = forms.BooleanField(label=_("Submit for review"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, review: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["invoke_name"]  # an invoke name is fixed once senders use it
        if not review:
            del self.fields["submit_for_review"]

    def clean_raw_variables(self) -> list[str]:
        return raw_tokens_from(re.split(r"[,;\s]+", self.cleaned_data["raw_variables"]))


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Label name"), max_length=255)


class PreviewForm(forms.Form):
    """Sample values as a JSON object {"%name%": "value"}, checked with a message a person can act on."""

    variables = forms.CharField(
        label=_("Variables (JSON)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )

    def clean_variables(self) -> dict[str, str]:
        text = self.cleaned_data["variables"].strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)d, column %(column)d): %(problem)s."),
                params={"line": error.lineno, "column": error.colno, "problem": error.msg},
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(
                _("Write one JSON object, like %(example)s."), params={"example": '{"%name%": "Ann"}'}
            )
        variables: dict[str, str] = {}
        for key, value in data.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int | float):
                value = json.dumps(value)
            elif not isinstance(value, str):
                raise forms.ValidationError(
                    _("The value of %(key)s must be text or a number."), params={"key": key}
                )
            tokens = raw_tokens_from([key])
            if not tokens:
                raise forms.ValidationError(_("A variable name cannot be empty."))
            variables[tokens[0]] = value
        return variables
