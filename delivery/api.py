"""``/apiv2/mail/send``, ``/apiv2/mail/sendtemplate`` and ``/apiv2/data/emailStatus``."""

from __future__ import annotations

import json

from delivery import selectors, services
from delivery.addresses import AddressError, Mailbox, has_forbidden_characters, parse_mailbox
from delivery.models import Suppression
from delivery.services import AttachmentData, OutgoingMessage
from delivery.xsmtpapi import XSmtpApiError, parse_json
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params, format_time
from sendcloud.apiv2.registry import SEND_METHODS, ApiRequest, action
from templates_app.selectors import template_for_sending

MAX_LIST = 100
MAX_REPLY_TO = 3
MAX_SUMMARY_BYTES = 200


def _mailboxes(params: Params, name: str, *, invalid: int, too_many: int) -> list[Mailbox]:
    items = params.list(name)
    if len(items) > MAX_LIST:
        raise ApiError(too_many, f"parameter {name} has {len(items)} addresses, at most {MAX_LIST}")
    try:
        return [parse_mailbox(item) for item in items]
    except AddressError as error:
        raise ApiError(invalid, f"parameter {name}: {error}") from None


def _sender(params: Params) -> Mailbox:
    text = params.str("from", required_code=40801)
    try:
        sender = parse_mailbox(text)
    except AddressError as error:
        raise ApiError(40802, str(error)) from None
    from_name = params.str("fromName")
    if has_forbidden_characters(from_name):
        raise ApiError(40804, "fromName contains CR, LF or NUL")
    return Mailbox(sender.address, from_name or sender.name)


def _headers(params: Params) -> dict[str, str]:
    text = params.str("headers")
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise ApiError(40869, "headers must be a JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(40869, "headers must be a JSON object")
    headers = {}
    for key, value in data.items():
        value = str(value) if isinstance(value, int | float) else value
        if not isinstance(value, str) or has_forbidden_characters(key) or has_forbidden_characters(value):
            raise ApiError(40869, f"header {key!r}: values must be strings without CR, LF or NUL")
        if not key or any(ch in key for ch in ": ") or not key.isascii():
            raise ApiError(40869, f"header name {key!r} is not valid")
        headers[key] = value
    return headers


def _attachments(params: Params) -> list[AttachmentData]:
    files = [
        AttachmentData(f.name, f.content_type or "application/octet-stream", f.read())
        for f in params.files.getlist("attachments")
    ]
    cids = params.list("embeddedCid")
    images = params.files.getlist("embeddedImage")
    if len(cids) != len(images):
        raise ApiError(40875, f"{len(cids)} embeddedCid for {len(images)} embeddedImage files")
    for cid, image in zip(cids, images, strict=True):
        files.append(AttachmentData(image.name, image.content_type or "application/octet-stream", image.read(), cid))
    return files


def _common(params: Params) -> dict:
    """Parameters shared by mail/send and mail/sendtemplate, checked in SendCloud's order."""
    sender = _sender(params)
    subject = params.str("subject")
    if has_forbidden_characters(subject):
        raise ApiError(40809, "subject contains CR, LF or NUL")
    reply_to = _mailboxes(params, "replyTo", invalid=40811, too_many=40879)
    if len(reply_to) > MAX_REPLY_TO:
        raise ApiError(40879, f"{len(reply_to)} addresses")
    xsmtpapi = None
    if params.str("xsmtpapi"):
        try:
            xsmtpapi = parse_json(params.str("xsmtpapi"))
        except XSmtpApiError as error:
            raise ApiError(error.code, str(error)) from None
    send_request_id = params.str("sendRequestId")
    if len(send_request_id) > 128:
        raise ApiError(40000, "sendRequestId is longer than 128 characters", message="invalid sendRequestId")
    if params.bool("useAddressList", default=False, invalid_code=40874):
        raise ApiError(40820, "address lists are not available on this platform yet")
    label_name = params.str("labelName")
    if has_forbidden_characters(label_name):
        raise ApiError(40105, "labelName contains CR, LF or NUL")
    return {
        "sender": sender,
        "subject": subject,
        "reply_to": [m.address for m in reply_to],
        "headers": _headers(params),
        "attachments": _attachments(params),
        "xsmtpapi": xsmtpapi,
        "label_id": params.int("labelId", invalid_code=40015, minimum=1),
        "label_name": label_name,
        "send_request_id": send_request_id,
        "use_notification": params.bool("useNotification", default=False, invalid_code=40829),
    }


def _answer(request, params: Params) -> dict:
    if not params.bool("respEmailId", default=True, invalid_code=40859):
        return {}
    return {"emailIdList": [email.email_id for email in request.accepted_emails]}


@action("mail/send", methods=SEND_METHODS)
def mail_send(api: ApiRequest) -> dict:
    params = api.params
    common = _common(params)
    if not common["subject"]:
        raise ApiError(40808)
    html, plain = params.str("html"), params.str("plain")
    if not html and not plain:
        raise ApiError(40870)
    summary = params.str("contentSummary")
    if len(summary.encode("utf-8")) > MAX_SUMMARY_BYTES:
        raise ApiError(40878)
    message = OutgoingMessage(
        **common,
        html=params.raw("html") or "",
        plain=params.raw("plain") or "",
        content_summary=summary,
        to=_mailboxes(params, "to", invalid=40806, too_many=40807),
        cc=_mailboxes(params, "cc", invalid=40853, too_many=40854),
        bcc=_mailboxes(params, "bcc", invalid=40856, too_many=40857),
    )
    request = services.accept(api_user=api.caller, message=message)
    return _answer(request, params)


@action("mail/sendtemplate", methods=SEND_METHODS)
def mail_sendtemplate(api: ApiRequest) -> dict:
    params = api.params
    invoke_name = params.str("templateInvokeName", required_code=40201)
    common = _common(params)
    template = template_for_sending(account=api.account, invoke_name=invoke_name)
    if template.template_stat != 1:
        raise ApiError(40824, f"template {invoke_name}")
    if template.template_type != api.caller.email_type:
        raise ApiError(40825, f"template {invoke_name} and API_USER {api.caller.name}")
    subject = common.pop("subject") or template.subject
    if not subject:
        raise ApiError(40826)
    if common["xsmtpapi"] is None or not common["xsmtpapi"].to:
        raise ApiError(40815, "mail/sendtemplate takes its recipients from xsmtpapi.to")
    message = OutgoingMessage(
        **common,
        subject=subject,
        html=template.html,
        plain=template.plain,
        content_summary=template.content_summary,
        template_invoke_name=template.invoke_name,
        raw_variables=list(template.raw_variables or []),
    )
    request = services.accept(api_user=api.caller, message=message)
    return _answer(request, params)


@action("data/emailStatus")
def email_status(api: ApiRequest) -> dict:
    query = selectors.EmailStatusQuery.from_params(api.params)
    start, limit = api.params.paging()
    total, rows = selectors.email_status_page(account=api.account, query=query, start=start, limit=limit)
    return {"total": str(total), "voListSize": len(rows), "voList": [selectors.email_status_item(e) for e in rows]}


# --- bounce list (sendcloud-api-v2.md §2.13) ---------------------------------------------------

BOUNCE_RANGE_DAYS = 92  # "at most 3 months"


def _bounces(api: ApiRequest):
    params = api.params
    email = params.str("email")
    if email:
        return selectors.active_bounces(account=api.account, email=email.lower())
    start, end = params.date_range(max_days=BOUNCE_RANGE_DAYS, default_days=BOUNCE_RANGE_DAYS)
    return selectors.active_bounces(account=api.account, start=start, end=end)


@action("bounce/list")
def bounce_list(api: ApiRequest) -> dict:
    start, limit = api.params.paging()
    rows = list(_bounces(api)[start : start + limit])
    items = [
        {"email": row.address, "reason": row.reason, "bounceTime": format_time(row.updated_at),
         "domain": row.address.rpartition("@")[2]}
        for row in rows
    ]
    return {"dataList": items, "count": len(items), "total": _bounces(api).count()}


@action("bounce/count")
def bounce_count(api: ApiRequest) -> dict:
    return {"count": _bounces(api).count()}


@action("bounce/delete")
def bounce_delete(api: ApiRequest) -> dict:
    deleted, _ = Suppression.objects.filter(pk__in=_bounces(api).values("pk")).delete()
    return {"count": deleted}
