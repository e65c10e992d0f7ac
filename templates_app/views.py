"""Console pages: 邮件模板 (/console/templates/) and 标签 (/console/labels/).

Each view parses a form, calls one service and renders.  Services refuse with SendCloud's status
codes (ApiError); ``ERRORS`` turns a code into a readable message on the right form field.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from sendcloud.apiv2.errors import ApiError
from templates_app import selectors, services
from templates_app.forms import LabelForm, PreviewForm, TemplateForm
from templates_app.models import TemplateStat
from templates_app.rendering import render_template, variables_in

PAGE_SIZE = 50

ERRORS = {
    40201: ("invoke_name", _("Enter an invoke name.")),
    40202: ("invoke_name", _("An invoke name has 1 to 250 letters, digits, _ or -.")),
    40203: ("template_type", _("Choose trigger or batch.")),
    40204: ("template_type", _("Choose trigger or batch.")),
    40207: ("name", _("Enter a template name.")),
    40208: ("name", _("A template name has at most 255 characters.")),
    40209: ("subject", _("Enter a subject.")),
    40210: ("subject", _("A subject is one line of at most 255 characters.")),
    40211: ("html", _("Enter the HTML content.")),
    40212: (
        "html",
        _("The HTML is longer than 1,000,000 characters, or shows no text, link or image (then fill in the plain text)."),
    ),
    40219: (None, _("An account can have at most 1,000 templates. Delete one you no longer use.")),
    40220: ("invoke_name", _("You already have a template with this invoke name.")),
    40223: (None, _("This template is waiting for review and cannot be edited until an operator decides.")),
    40104: ("name", _("Enter a label name.")),
    40105: ("name", _("A label name has 1 to 255 characters.")),
    40113: ("name", _("You already have a label with this name.")),
}

STAT_LABELS = {
    TemplateStat.NOT_SUBMITTED: _("Not submitted"),
    TemplateStat.REJECTED: _("Rejected"),
    TemplateStat.PENDING: _("Pending review"),
    TemplateStat.APPROVED: _("Approved"),
}
TYPE_LABELS = {0: _("Trigger"), 1: _("Batch")}


def _error_text(error: ApiError) -> str:
    return str(ERRORS.get(error.status_code, (None, error.message))[1])


def _add_error(form, error: ApiError) -> None:
    field, text = ERRORS.get(error.status_code, (None, error.message))
    form.add_error(field if field in form.fields else None, str(text))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _describe(template) -> dict:
    return {
        "template": template,
        "type_label": TYPE_LABELS[template.template_type],
        "stat_label": STAT_LABELS[template.template_stat],
    }


# --- templates -------------------------------------------------------------------------------------


@login_required
def template_list(request):
    page = _page(request, selectors.templates_of(account=request.user).order_by("-updated_at", "-id"))
    return render(
        request,
        "templates_app/template_list.html",
        {"page": page, "rows": [_describe(template) for template in page], "review": request.user.templates_need_review},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    review = request.user.templates_need_review
    form = TemplateForm(request.POST or None, review=review, initial={"template_type": 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.create_template(
                account=request.user,
                invoke_name=data["invoke_name"],
                name=data["name"],
                subject=data["subject"],
                html=data["html"],
                plain=data["plain"],
                template_type=data["template_type"],
                submit_for_review=data.get("submit_for_review", True),
                raw_variables=data["raw_variables"],
            )
        except ApiError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("console:templates_app:template_preview", template_id=template.pk)
    return render(request, "templates_app/template_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id: int):
    template = selectors.access_template(account=request.user, template_id=template_id)
    review = request.user.templates_need_review
    locked = review and template.template_stat == TemplateStat.PENDING
    initial = {
        "name": template.name,
        "template_type": template.template_type,
        "subject": template.subject,
        "html": template.html,
        "plain": "" if template.plain_derived else template.plain,
        "raw_variables": ", ".join(token.strip("%") for token in template.raw_variables),
        "submit_for_review": True,
    }
    form = TemplateForm(request.POST or None, editing=True, review=review, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_template(
                template=template,
                name=data["name"],
                subject=data["subject"],
                html=data["html"],
                plain=data["plain"],
                template_type=data["template_type"],
                submit_for_review=data.get("submit_for_review", True),
                raw_variables=data["raw_variables"],
            )
        except ApiError as error:
            template.refresh_from_db()  # the service may have changed the object before refusing
            _add_error(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("console:templates_app:template_preview", template_id=template.pk)
    return render(
        request,
        "templates_app/template_form.html",
        {"form": form, "creating": False, "locked": locked, **_describe(template)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_preview(request, template_id: int):
    template = selectors.access_template(account=request.user, template_id=template_id)
    if request.method == "POST":
        form = PreviewForm(request.POST)
    else:
        # Start from every variable the template uses, each showing its own name.
        sample = {token: token.strip("%") for token in variables_in(template.subject, template.html, template.plain)}
        form = PreviewForm({"variables": json.dumps(sample, ensure_ascii=False, indent=2)})
    rendered = render_template(template, form.cleaned_data["variables"]) if form.is_valid() else None
    return render(
        request,
        "templates_app/template_preview.html",
        {"form": form, "rendered": rendered, **_describe(template)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_delete(request, template_id: int):
    template = selectors.access_template(account=request.user, template_id=template_id)
    if request.method == "POST":
        services.delete_template(template=template)
        messages.success(request, _("Template %(name)s deleted.") % {"name": template.name})
        return redirect("console:templates_app:template_list")
    return render(request, "templates_app/template_delete.html", _describe(template))


# --- labels ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def label_list(request):
    form = LabelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label = services.create_label(account=request.user, name=form.cleaned_data["name"])
        except ApiError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Label %(name)s created.") % {"name": label.name})
            return redirect("console:templates_app:label_list")
    query = request.GET.get("q", "").strip()
    page = _page(request, selectors.labels_of(account=request.user, query=query))
    return render(request, "templates_app/label_list.html", {"form": form, "page": page, "query": query})


@login_required
@require_POST
def label_rename(request, label_id: int):
    label = selectors.label_for_console(account=request.user, label_id=label_id)
    old_name = label.name
    try:
        services.rename_label(label=label, name=request.POST.get("name", ""))
    except ApiError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Label %(old)s renamed to %(new)s.") % {"old": old_name, "new": label.name})
    return redirect("console:templates_app:label_list")


@login_required
@require_POST
def label_delete(request, label_id: int):
    label = selectors.label_for_console(account=request.user, label_id=label_id)
    services.delete_label(label=label)
    messages.success(request, _("Label %(name)s deleted.") % {"name": label.name})
    return redirect("console:templates_app:label_list")
