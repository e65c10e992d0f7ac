"""Console forms of the tracking pages: they only parse input; the rules live in services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apiusers.models import ApiUser
from delivery.models import EventType
from templates_app.models import Label
from tracking.selectors import TrackQuery

DEFAULT_RANGE_DAYS = 7
MAX_RANGE_DAYS = 92
EVENT_CHOICES = [("", _("Opens and clicks")), (str(EventType.OPEN.value), _("Open")),
                 (str(EventType.CLICK.value), _("Click"))]
UNSUBSCRIBE_PAGE_CHOICES = [("default", _("System default")), ("custom", _("Custom page"))]


def default_range() -> tuple:
    today = timezone.localdate()
    return today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today


class TrackFilterForm(forms.Form):
    """GET filters of 打开点击; an empty field means "any".  The date range is inclusive."""

    email = forms.CharField(label=_("Recipient address or domain"), required=False, max_length=320)
    event = forms.TypedChoiceField(label=_("Event"), required=False, coerce=int, empty_value=None,
                                   choices=EVENT_CHOICES)
    api_user = forms.ChoiceField(label=_("API_USER"), required=False)
    label = forms.TypedChoiceField(label=_("Label"), required=False, coerce=int, empty_value=None)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, account):
        start, end = default_range()
        data = data.copy()
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
        super().__init__(data)
        names = ApiUser.objects.filter(account=account).values_list("name", flat=True).order_by("name")
        self.fields["api_user"].choices = [("", _("All")), *[(name, name) for name in names]]
        labels = Label.objects.filter(account=account).order_by("name")
        self.fields["label"].choices = [("", _("All")), *[(str(label.pk), label.name) for label in labels]]

    def clean(self):
        data = super().clean()
        default_start, default_end = default_range()
        start, end = data.get("start") or default_start, data.get("end") or default_end
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("end", _("Choose a range of at most %(days)d days.") % {"days": MAX_RANGE_DAYS})
        data["start"], data["end"] = start, end
        return data

    def query(self) -> TrackQuery:
        data = self.cleaned_data
        query = TrackQuery(start=data["start"], end=data["end"], email=data["email"].strip(),
                           label_id=data["label"], api_users=[data["api_user"]] if data["api_user"] else [])
        if data["event"] is not None:
            query.events = [data["event"]]
        return query


class UnsubscribeAddForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=320)


class UnsubscribePageForm(forms.Form):
    unsubscribe_page = forms.ChoiceField(choices=UNSUBSCRIBE_PAGE_CHOICES, widget=forms.RadioSelect,
                                         label=_("Unsubscribe page"))
    unsubscribe_page_url = forms.CharField(required=False, max_length=500, label=_("Custom page URL"))

    def clean(self):
        data = super().clean()
        if data.get("unsubscribe_page") != "custom":
            data["unsubscribe_page_url"] = ""
        elif not data.get("unsubscribe_page_url", "").strip():
            self.add_error("unsubscribe_page_url", _("Enter the URL of your unsubscribe page."))
        return data
