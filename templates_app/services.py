"""Writes for templates and labels.  Every refusal is an ``ApiError`` with SendCloud's statusCode
(api doc §3); the Web API renders it as is and the console turns the code into a readable message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.models import User
from sendcloud.apiv2.errors import ApiError
from templates_app.models import Label, Template, TemplateStat, TemplateType
from templates_app.rendering import plain_from_html, raw_tokens_from

MAX_TEMPLATES = 1000
INVOKE_NAME = re.compile(r"[A-Za-z0-9_-]{1,250}")
MAX_NAME = 255
MAX_SUBJECT = 255
MAX_HTML = 1_000_000  # characters; a template is a mail body, not an archive
MAX_SUMMARY_BYTES = 200  # as mail/send's contentSummary (40878)
MAX_LABEL_NAME = 255

# --- labels ----------------------------------------------------------------------------------------


def _label_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= MAX_LABEL_NAME:
        raise ApiError(40105, f"labelName has {len(name)} characters")
    return name


def create_label(*, account: User, name: str) -> Label:
    name = _label_name(name)
    if Label.objects.filter(account=account, name=name).exists():
        raise ApiError(40113, f"labelName: {name}")
    try:
        with transaction.atomic():
            return Label.objects.create(account=account, name=name)
    except IntegrityError:  # created meanwhile by a concurrent request
        raise ApiError(40113, f"labelName: {name}") from None


def get_or_create_label(*, account: User, name: str) -> Label:
    """The account's label called ``name``, created when missing (``labelName`` on a send)."""
    name = _label_name(name)
    label = Label.objects.filter(account=account, name=name).first()
    if label is not None:
        return label
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert must not spoil the caller's transaction
            return Label.objects.create(account=account, name=name)
    except IntegrityError:
        return Label.objects.get(account=account, name=name)


def rename_label(*, label: Label, name: str) -> Label:
    name = _label_name(name)
    if name == label.name:
        return label
    if Label.objects.filter(account_id=label.account_id, name=name).exclude(pk=label.pk).exists():
        raise ApiError(40113, f"labelName: {name}")
    label.name = name
    try:
        with transaction.atomic():
            label.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ApiError(40113, f"labelName: {name}") from None
    return label


def delete_label(*, label: Label) -> None:
    label.delete()


# --- templates -------------------------------------------------------------------------------------


def _invoke_name(invoke_name: str) -> str:
    invoke_name = (invoke_name or "").strip()
    if not invoke_name:
        raise ApiError(40201, "parameter invokeName")
    if not INVOKE_NAME.fullmatch(invoke_name):
        raise ApiError(40202, "letters, digits, _ and -, 1 to 250 characters")
    return invoke_name


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApiError(40207, "parameter name")
    if len(name) > MAX_NAME:
        raise ApiError(40208, f"name is longer than {MAX_NAME} characters")
    return name


def _subject(subject: str) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise ApiError(40209, "parameter subject")
    if len(subject) > MAX_SUBJECT:
        raise ApiError(40210, f"subject is longer than {MAX_SUBJECT} characters")
    if any(char in subject for char in "\r\n\0"):
        raise ApiError(40210, "subject must be one line")
    return subject


def _html(html: str) -> str:
    if not html or not html.strip():
        raise ApiError(40211, "parameter html")
    if len(html) > MAX_HTML:
        raise ApiError(40212, f"html is longer than {MAX_HTML} characters")
    return html


def _template_type(template_type: int | None) -> int:
    if template_type is None:
        raise ApiError(40203, "parameter templateType")
    if template_type not in TemplateType.values:
        raise ApiError(40204, f"templateType: {template_type}")
    return template_type


def _summary(summary: str) -> str:
    summary = (summary or "").strip()
    if len(summary.encode("utf-8")) > MAX_SUMMARY_BYTES:
        raise ApiError(40878, f"contentSummary is longer than {MAX_SUMMARY_BYTES} bytes")
    return summary


def _plain_parts(*, html: str, plain: str) -> tuple[str, bool]:
    """The stored plain part and whether it was derived from the HTML."""
    if plain and plain.strip():
        return plain, False
    derived = plain_from_html(html)
    if not derived:
        # Nothing to read in the HTML and no plain part given: the mail would arrive empty.
        raise ApiError(40212, "html has no text, link or image; give the plain part")
    return derived, True


def _review_state(*, account: User, submit_for_review: bool) -> int:
    """The state of a new or edited template: approved at once unless the account requires review."""
    if not account.templates_need_review:
        return TemplateStat.APPROVED
    return TemplateStat.PENDING if submit_for_review else TemplateStat.NOT_SUBMITTED


@transaction.atomic
def create_template(
    *,
    account: User,
    invoke_name: str,
    name: str,
    subject: str,
    html: str,
    template_type: int | None,
    plain: str = "",
    submit_for_review: bool = True,
    content_summary: str = "",
    raw_variables: Iterable[str] = (),
) -> Template:
    invoke_name = _invoke_name(invoke_name)
    name = _name(name)
    html = _html(html)
    subject = _subject(subject)
    template_type = _template_type(template_type)
    content_summary = _summary(content_summary)
    plain, derived = _plain_parts(html=html, plain=plain)
    # Serialise this account's template creations so the count and the name check cannot race.
    User.objects.select_for_update().filter(pk=account.pk).first()
    if Template.objects.filter(account=account).count() >= MAX_TEMPLATES:
        raise ApiError(40219, message=f"at most {MAX_TEMPLATES} templates per account")
    if Template.objects.filter(account=account, invoke_name=invoke_name).exists():
        raise ApiError(40220, f"invokeName: {invoke_name}")
    try:
        with transaction.atomic():
            return Template.objects.create(
                account=account,
                invoke_name=invoke_name,
                name=name,
                subject=subject,
                html=html,
                plain=plain,
                plain_derived=derived,
                template_type=template_type,
                template_stat=_review_state(account=account, submit_for_review=submit_for_review),
                content_summary=content_summary,
                raw_variables=raw_tokens_from(raw_variables),
            )
    except IntegrityError:
        raise ApiError(40220, f"invokeName: {invoke_name}") from None


@transaction.atomic
def update_template(
    *,
    template: Template,
    name: str | None = None,
    subject: str | None = None,
    html: str | None = None,
    plain: str | None = None,
    template_type: int | None = None,
    submit_for_review: bool = True,
    content_summary: str | None = None,
    raw_variables: Iterable[str] | None = None,
) -> Template:
    """Change the given fields (None = keep).  ``plain=""`` means "derive it from the HTML"."""
    account = template.account
    if template.template_stat == TemplateStat.PENDING and account.templates_need_review:
        raise ApiError(40223, f"invokeName: {template.invoke_name}")
    if name is not None:
        template.name = _name(name)
    if subject is not None:
        template.subject = _subject(subject)
    if html is not None:
        template.html = _html(html)
    if template_type is not None:
        template.template_type = _template_type(template_type)
    if content_summary is not None:
        template.content_summary = _summary(content_summary)
    if raw_variables is not None:
        template.raw_variables = raw_tokens_from(raw_variables)
    if plain is not None:
        template.plain, template.plain_derived = _plain_parts(html=template.html, plain=plain)
    elif html is not None and template.plain_derived:
        template.plain, template.plain_derived = _plain_parts(html=template.html, plain="")
    template.template_stat = _review_state(account=account, submit_for_review=submit_for_review)
    template.save()
    return template


def delete_template(*, template: Template) -> None:
    template.delete()


def submit_template(*, template: Template, cancel: bool) -> Template:
    """``template/submit``: submit for review, or withdraw a pending submission (codes 40226-40229)."""
    stat = template.template_stat
    if cancel:
        if stat == TemplateStat.APPROVED:
            raise ApiError(40227, f"invokeName: {template.invoke_name}")
        if stat == TemplateStat.REJECTED:
            raise ApiError(40228, f"invokeName: {template.invoke_name}")
        if stat == TemplateStat.NOT_SUBMITTED:
            raise ApiError(40229, f"invokeName: {template.invoke_name}")
        template.template_stat = TemplateStat.NOT_SUBMITTED
    else:
        if stat == TemplateStat.PENDING:
            raise ApiError(40226, f"invokeName: {template.invoke_name}")
        if stat == TemplateStat.APPROVED:
            raise ApiError(40227, f"invokeName: {template.invoke_name}")
        template.template_stat = _review_state(account=template.account, submit_for_review=True)
    template.save(update_fields=["template_stat", "updated_at"])
    return template


@transaction.atomic
def review_templates(*, templates: QuerySet[Template], approve: bool) -> int:
    """An operator's decision on pending templates (Django admin); returns how many changed."""
    state = TemplateStat.APPROVED if approve else TemplateStat.REJECTED
    changed = 0
    # Re-select by id: the admin's queryset may carry DISTINCT, which FOR UPDATE does not allow.
    pending = Template.objects.select_for_update().filter(
        pk__in=templates.values("pk"), template_stat=TemplateStat.PENDING
    )
    for template in pending:
        template.template_stat = state
        template.save(update_fields=["template_stat", "updated_at"])
        changed += 1
    return changed
