"""``/apiv2/template/*`` and ``/apiv2/label/*`` (sendcloud-api-v2.md §2.5, §2.7; docs/api/templates.md)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params
from sendcloud.apiv2.registry import ApiRequest, action
from templates_app import selectors, services
from templates_app.models import Label, Template, TemplateStat, TemplateType


def gmt(moment: datetime) -> str:
    """SendCloud's timestamp: ``yyyy-MM-dd HH:mm:ss`` in UTC+08:00 (settings.TIME_ZONE)."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M:%S")


def _page(queryset, params: Params) -> dict:
    start, limit = params.paging()
    items = list(queryset[start : start + limit])
    return {"items": items, "total": queryset.count()}


# --- templates -------------------------------------------------------------------------------------


def _template_item(template: Template) -> dict:
    return {
        "name": template.name,
        "invokeName": template.invoke_name,
        "templateType": template.template_type,
        "templateStat": template.template_stat,
        "gmtCreated": gmt(template.created_at),
        "gmtUpdated": gmt(template.updated_at),
    }


def _template_data(template: Template) -> dict:
    return {
        **_template_item(template),
        "html": template.html,
        "subject": template.subject,
        "contentSummary": template.content_summary,
        # Extensions: the plain part and the variables inserted into the HTML unescaped.
        "text": template.plain,
        "rawVariables": list(template.raw_variables),
    }


def _optional_int(params: Params, name: str, *, invalid_code: int, allowed) -> int | None:
    number = params.int(name, invalid_code=invalid_code)
    if number is not None and number not in allowed:
        raise ApiError(invalid_code, f"parameter {name}: {number}")
    return number


def _content(params: Params, name: str) -> str | None:
    """HTML or plain text exactly as sent (not trimmed); None when absent or blank."""
    value = params.raw(name)
    return value if value is not None and value.strip() else None


def _submit_for_review(params: Params) -> bool:
    return params.int("isSubmitAudit", default=1, invalid_code=40222, minimum=0, maximum=1) == 1


def _invoke_name(params: Params) -> str:
    return params.str("invokeName", required_code=40201)


@action("template/list")
def template_list(request: ApiRequest) -> dict:
    params = request.params
    template_type = _optional_int(params, "templateType", invalid_code=40204, allowed=TemplateType.values)
    # 2015 docs call the filter isVerify; the 2017 docs templateStat.
    stat_name = "templateStat" if params.str("templateStat") else "isVerify"
    template_stat = _optional_int(params, stat_name, invalid_code=40206, allowed=TemplateStat.values)
    page = _page(
        selectors.templates_of(
            account=request.account,
            invoke_name=params.str("invokeName"),
            template_type=template_type,
            template_stat=template_stat,
        ),
        params,
    )
    return {
        "dataList": [_template_item(template) for template in page["items"]],
        "total": page["total"],
        "count": len(page["items"]),
    }


@action("template/get")
def template_get(request: ApiRequest) -> dict:
    template = selectors.template_by_invoke_name(account=request.account, invoke_name=_invoke_name(request.params))
    return {"data": _template_data(template)}


@action("template/add")
def template_add(request: ApiRequest) -> dict:
    params = request.params
    template = services.create_template(
        account=request.account,
        invoke_name=_invoke_name(params),
        name=params.str("name"),
        subject=params.str("subject"),
        html=_content(params, "html") or "",
        plain=_content(params, "text") or "",
        template_type=_optional_int(params, "templateType", invalid_code=40204, allowed=TemplateType.values),
        submit_for_review=_submit_for_review(params),
        content_summary=params.str("contentSummary"),
        raw_variables=params.list("rawVariables"),
    )
    data = _template_data(template)
    data["gmtUpdated"] = ""  # as SendCloud answers for a template never updated
    return {"data": data}


@action("template/update")
def template_update(request: ApiRequest) -> dict:
    params = request.params
    template = selectors.template_by_invoke_name(account=request.account, invoke_name=_invoke_name(params))
    services.update_template(
        template=template,
        name=params.str("name") or None,
        subject=params.str("subject") or None,
        html=_content(params, "html"),
        plain=_content(params, "text"),
        template_type=_optional_int(params, "templateType", invalid_code=40204, allowed=TemplateType.values),
        submit_for_review=_submit_for_review(params),
        content_summary=params.raw("contentSummary"),
        raw_variables=params.list("rawVariables") if "rawVariables" in params else None,
    )
    return {"count": 1}


@action("template/delete")
def template_delete(request: ApiRequest) -> dict:
    template = selectors.template_by_invoke_name(account=request.account, invoke_name=_invoke_name(request.params))
    services.delete_template(template=template)
    return {"count": 1}


@action("template/submit")
def template_submit(request: ApiRequest) -> dict:
    params = request.params
    template = selectors.template_by_invoke_name(account=request.account, invoke_name=_invoke_name(params))
    cancel = params.int("cancel", default=0, invalid_code=40225, minimum=0, maximum=1) == 1
    services.submit_template(template=template, cancel=cancel)
    return {"count": 1}


# --- labels ----------------------------------------------------------------------------------------


def _label_data(label: Label) -> dict:
    return {
        "labelId": label.pk,
        "labelName": label.name,
        "gmtCreated": gmt(label.created_at),
        "gmtUpdated": gmt(label.updated_at),
    }


def _label(request: ApiRequest) -> Label:
    label_id = request.params.int("labelId", required_code=40102, invalid_code=40103, minimum=1)
    return selectors.access_label(account=request.account, label_id=label_id)


def _label_name(params: Params) -> str:
    return params.str("labelName", required_code=40104)


@action("label/list")
def label_list(request: ApiRequest) -> dict:
    params = request.params
    query = params.str("query")
    if len(query) > services.MAX_LABEL_NAME:
        raise ApiError(40112, f"query has {len(query)} characters")
    page = _page(selectors.labels_of(account=request.account, query=query), params)
    return {"dataList": [_label_data(label) for label in page["items"]], "total": page["total"], "count": len(page["items"])}


@action("label/get")
def label_get(request: ApiRequest) -> dict:
    return {"data": _label_data(_label(request))}


@action("label/add")
def label_add(request: ApiRequest) -> dict:
    label = services.create_label(account=request.account, name=_label_name(request.params))
    return {"data": _label_data(label)}


@action("label/update")
def label_update(request: ApiRequest) -> dict:
    label = _label(request)
    services.rename_label(label=label, name=_label_name(request.params))
    return {"count": 1}


@action("label/delete")
def label_delete(request: ApiRequest) -> dict:
    services.delete_label(label=_label(request))
    return {"count": 1}
