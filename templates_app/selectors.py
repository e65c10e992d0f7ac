"""Reads of templates and labels, always scoped to one account (another account's object = not found)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from sendcloud.apiv2.errors import ApiError
from templates_app.models import Label, Template


def templates_of(
    *, account: User, invoke_name: str = "", template_type: int | None = None, template_stat: int | None = None
) -> QuerySet[Template]:
    templates = Template.objects.filter(account=account)
    if invoke_name:
        templates = templates.filter(invoke_name=invoke_name)
    if template_type is not None:
        templates = templates.filter(template_type=template_type)
    if template_stat is not None:
        templates = templates.filter(template_stat=template_stat)
    return templates.order_by("id")


def template_by_invoke_name(*, account: User, invoke_name: str) -> Template:
    """For the template/* actions: 40216 when the account has no such template."""
    template = Template.objects.filter(account=account, invoke_name=invoke_name).first()
    if template is None:
        raise ApiError(40216, f"invokeName: {invoke_name}")
    return template


def template_for_sending(*, account: User, invoke_name: str) -> Template:
    """For mail/sendtemplate: 40823 when the account has no such template (approval is the caller's check)."""
    template = Template.objects.filter(account=account, invoke_name=invoke_name).first()
    if template is None:
        raise ApiError(40823, f"templateInvokeName: {invoke_name}")
    return template


def access_template(*, account: User, template_id: int) -> Template:
    """For console pages: 404 unless the template belongs to the account."""
    template = Template.objects.filter(account=account, pk=template_id).first()
    if template is None:
        raise Http404("template")
    return template


def labels_of(*, account: User, query: str = "") -> QuerySet[Label]:
    labels = Label.objects.filter(account=account)
    if query:
        labels = labels.filter(name__icontains=query)
    # Newest first, as in SendCloud's label/list example.
    return labels.order_by("-id")


def access_label(*, account: User, label_id: int) -> Label:
    """40106 when the label is missing or belongs to another account."""
    label = Label.objects.filter(account=account, pk=label_id).first()
    if label is None:
        raise ApiError(40106, f"labelId: {label_id}")
    return label


def label_for_console(*, account: User, label_id: int) -> Label:
    try:
        return access_label(account=account, label_id=label_id)
    except ApiError:
        raise Http404("label") from None
