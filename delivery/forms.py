"""The filter form of the 邮件状态 page."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apiusers.models import ApiUser
from delivery.models import EmailStatus
from delivery.selectors import MAX_RANGE_DAYS, EmailStatusQuery
from templates_app.models import Label

DEFAULT_RANGE_DAYS = 7

STATUS_LABELS = {
    EmailStatus.REQUESTING: pgettext_lazy("delivery", "Requesting"),
    EmailStatus.DELIVERED: pgettext_lazy("delivery", "Delivered"),
    EmailStatus.SOFT_BOUNCE: pgettext_lazy("delivery", "Soft bounce"),
    EmailStatus.INVALID: pgettext_lazy("delivery", "Invalid"),
}
# The order of the status tabs, as in SendCloud's console.
STATUS_ORDER = [EmailStatus.REQUESTING, EmailStatus.DELIVERED, EmailStatus.SOFT_BOUNCE, EmailStatus.INVALID]

TYPE_LABELS = {0: _("Trigger"), 1: _("Batch")}


def default_range() -> tuple:
    today = timezone.localdate()
    return today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today


class StatusFilterForm(forms.Form):
    """GET filters; an empty field means "any".  The date range is inclusive, at most 30 days."""

    email = forms.CharField(label=_("Recipient address or domain"), required=False, max_length=320)
    email_type = forms.TypedChoiceField(
        label=_("Mail type"), required=False, coerce=int, empty_value=None,
        choices=[("", _("All")), *[(str(k), v) for k, v in TYPE_LABELS.items()]],
    )
    api_user = forms.ChoiceField(label=_("API_USER"), required=False)
    label = forms.TypedChoiceField(label=_("Label"), required=False, coerce=int, empty_value=None)
    start = forms.DateField(label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None,
        choices=[("", _("All")), *[(str(s.value), STATUS_LABELS[s]) for s in STATUS_ORDER]],
    )

    def __init__(self, data, *, account):
        start, end = default_range()
        data = data.copy()
        # An absent date means the default range, so a bare visit to the page shows the last 7 days.
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
        super().__init__(data)
        names = ApiUser.objects.filter(account=account).values_list("name", flat=True).order_by("name")
        self.fields["api_user"].choices = [("", _("All")), *[(name, name) for name in names]]
        labels = Label.objects.filter(account=account).order_by("name")
        self.fields["label"].choices = [("", _("All")), *[(str(label.pk), label.name) for label in labels]]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            default_start, default_end = default_range()
            start, end = start or default_start, end or default_end
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("end", _("Choose a range of at most %(days)d days.") % {"days": MAX_RANGE_DAYS})
        data["start"], data["end"] = start, end
        return data

    def query(self, *, with_status: bool = True) -> EmailStatusQuery:
        data = self.cleaned_data
        return EmailStatusQuery(
            start=data["start"],
            end=data["end"],
            email=data["email"].strip(),
            api_users=[data["api_user"]] if data["api_user"] else [],
            label_id=data["label"],
            status=data["status"] if with_status else None,
            email_type=data["email_type"],
        )
