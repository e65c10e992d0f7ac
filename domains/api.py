"""/apiv2/domain/* and /apiv2/trackDomain/* (sendcloud-api-v2.md §2.8, §2.15; docs/api/domains.md)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from domains import records, selectors, services
from domains.models import Domain, TrackingDomain
from domains.rules import MULTIPLE_NAMES, NAME_EMPTY, NEW_NAME_EMPTY, DomainError
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.registry import ApiRequest, action

UTC8 = ZoneInfo("Asia/Shanghai")  # SendCloud reports times in UTC+08:00
TYPE_TEXT = {True: "测试", False: "普通"}  # SendCloud's own words, in every language
TYPE_INVALID = 41008
VERIFY_INVALID = 41010
VERIFY_PARSE_ERROR = 41011
VERIFY_MAX = 31
# Codes 41004-41006 (newName) are missing from the shared table's messages.
MESSAGES = {41004: "newName empty", 41005: "newName 1–250", 41006: "newName is not a domain"}
# The API's name for each record in the dotted keys; DMARC is reported as SendCloud's verifyKey.
API_KEYS = {"spf": "spf", "dkim": "dkim", "mx": "mx", "dmarc": "verifyKey"}
_VERIFY = re.compile(r"^([<>]?)(\d{1,9})$")


def gmt(moment: datetime | None) -> str:
    return moment.astimezone(UTC8).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def api_error(error: DomainError) -> ApiError:
    return ApiError(error.code, error.message, message=MESSAGES.get(error.code))


def domain_item(domain: Domain, *, tracking_names: list[str]) -> dict:
    """One ``dataList`` entry of domain/list (and ``info.data`` of add/update/checkConfig)."""
    rows = {row.key: row for row in selectors.record_rows(domain=domain)}
    cname_name = selectors.cname_tracking_name(domain=domain, tracking_names=tracking_names)
    item: dict = {
        "name": domain.name,
        "type": TYPE_TEXT[domain.is_test],
        "verify": selectors.verify_mask(domain=domain, tracking_names=tracking_names),
        "verifyKey.domain": rows["dmarc"].host,
        "verifyKey.value": rows["dmarc"].value,
        "spf.domain": rows["spf"].host,
        "spf.value": rows["spf"].value,
        "dkim.domain": rows["dkim"].host,
        "dkim.value": rows["dkim"].value,
        "cname.domain": cname_name,
        "cname.value": records.tracking_host() if cname_name else "",
        "mx.domain": rows["mx"].host,
        "mx.value": rows["mx"].value,
        "gmtCreated": gmt(domain.created_at),
        "gmtUpdated": gmt(domain.updated_at),
        # Extensions (docs/api/domains.md): the status, the selector, and what the last check found.
        "status": domain.status,
        "dkim.selector": domain.dkim_selector,
        "mx.priority": records.MX_PRIORITY,
        "checkedAt": gmt(domain.checked_at),
    }
    for key, row in rows.items():
        item[f"{API_KEYS[key]}.current"] = list(row.found)
        item[f"{API_KEYS[key]}.state"] = row.state
    return item


def _single_name(request: ApiRequest, parameter: str, empty_code: int) -> str:
    names = request.params.list(parameter)
    if not names:
        raise ApiError(empty_code, f"parameter {parameter}", message=MESSAGES.get(empty_code))
    if len(names) > 1:
        raise ApiError(MULTIPLE_NAMES, f"parameter {parameter}")
    return names[0]


def _verify_filter(raw: str | None):
    """``verify``: an exact mask, ``>N`` or ``<N``; None when absent."""
    if raw is None or raw.strip() == "":
        return None
    match = _VERIFY.match(raw.strip())
    if not match:
        raise ApiError(VERIFY_PARSE_ERROR, f"parameter verify: {raw!r}")
    operator, number = match.group(1), int(match.group(2))
    if number > VERIFY_MAX:
        raise ApiError(VERIFY_INVALID, f"parameter verify: {raw!r}")
    return {"": number.__eq__, ">": number.__lt__, "<": number.__gt__}[operator]


@action("domain/list")
def domain_list(request: ApiRequest) -> dict:
    params = request.params
    names = {name.strip().rstrip(".").lower() for name in params.list("name")}
    type_filter = params.int("type", invalid_code=TYPE_INVALID, minimum=0, maximum=1)
    verify_matches = _verify_filter(params.raw("verify"))
    start, limit = params.paging()
    tracking_names = selectors.verified_tracking_names(account=request.account)
    items = []
    # An account has at most 5 domains and its test domain, so the filters run on the items.
    for domain in selectors.domains_for(account=request.account):
        if names and domain.name not in names:
            continue
        if type_filter is not None and domain.is_test != (type_filter == 0):
            continue
        item = domain_item(domain, tracking_names=tracking_names)
        if verify_matches is not None and not verify_matches(item["verify"]):
            continue
        items.append(item)
    page = items[start : start + limit]
    return {"dataList": page, "count": len(page), "total": len(items)}


# SendCloud's own examples call the list "domain/get" (sendcloud-api-v2.md §2.8): serve both.
action("domain/get")(domain_list)


def _one_domain(request: ApiRequest, domain) -> dict:
    """``info.data`` of the single-domain actions: the same item as ``domain/list`` gives."""
    return {"data": domain_item(domain, tracking_names=selectors.verified_tracking_names(account=request.account))}


@action("domain/add")
def domain_add(request: ApiRequest) -> dict:
    name = _single_name(request, "name", NAME_EMPTY)
    try:
        domain = services.add_domain(account=request.account, name=name)
    except DomainError as error:
        raise api_error(error) from None
    return _one_domain(request, domain)


@action("domain/update")
def domain_update(request: ApiRequest) -> dict:
    name = _single_name(request, "name", NAME_EMPTY)
    new_name = _single_name(request, "newName", NEW_NAME_EMPTY)
    try:
        domain = selectors.domain_by_name(account=request.account, name=name)
        domain = services.rename_domain(domain=domain, new_name=new_name)
    except DomainError as error:
        raise api_error(error) from None
    return _one_domain(request, domain)


@action("domain/checkConfig")
def domain_check_config(request: ApiRequest) -> dict:
    """Extension: re-check the domain's records now (the console's 检测配置)."""
    name = _single_name(request, "name", NAME_EMPTY)
    try:
        domain = selectors.domain_by_name(account=request.account, name=name)
    except DomainError as error:
        raise api_error(error) from None
    domain = services.check_domain(domain=domain)
    return _one_domain(request, domain)


# --- tracking domains -----------------------------------------------------------------------------
def tracking_item(tracking_domain: TrackingDomain) -> dict:
    row = selectors.tracking_row(tracking_domain=tracking_domain)
    return {
        "id": tracking_domain.id,
        "name": tracking_domain.name,
        "cname": tracking_domain.verified,
        "gmtCreated": gmt(tracking_domain.created_at),
        "gmtUpdated": gmt(tracking_domain.updated_at),
        "cname.domain": row.host,
        "cname.value": row.value,
        "https": tracking_domain.https,
        "certiValidityStart": gmt(tracking_domain.certificate_not_before),
        "certiValidityEnd": gmt(tracking_domain.certificate_not_after),
        # Extensions: what the last check found.
        "cname.current": list(row.found),
        "cname.state": row.state,
        "checkedAt": gmt(tracking_domain.checked_at),
    }


@action("trackDomain/list")
def track_domain_list(request: ApiRequest) -> dict:
    names = {name.strip().rstrip(".").lower() for name in request.params.list("name")}
    start, limit = request.params.paging()
    matching = [
        tracking_domain
        for tracking_domain in selectors.tracking_domains_for(account=request.account)
        if not names or tracking_domain.name in names
    ]
    page = [tracking_item(tracking_domain) for tracking_domain in matching[start : start + limit]]
    return {"dataList": page, "count": len(page), "total": len(matching)}


@action("trackDomain/add")
def track_domain_add(request: ApiRequest) -> dict:
    name = _single_name(request, "name", NAME_EMPTY)
    try:
        tracking_domain = services.add_tracking_domain(account=request.account, name=name)
    except DomainError as error:
        raise api_error(error) from None
    return {"data": tracking_item(tracking_domain)}


@action("trackDomain/checkConfig")
def track_domain_check_config(request: ApiRequest) -> dict:
    name = _single_name(request, "name", NAME_EMPTY)
    try:
        tracking_domain = selectors.tracking_domain_by_name(account=request.account, name=name)
    except DomainError as error:
        raise api_error(error) from None
    return {"data": tracking_item(services.check_tracking_domain(tracking_domain=tracking_domain))}
