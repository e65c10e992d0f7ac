"""``/apiv2/unsubscribe/list|add|delete`` and ``/apiv2/openandclick/list`` (sendcloud-api-v2.md §2.13)."""

from __future__ import annotations

from delivery.addresses import AddressError, parse_mailbox
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params
from sendcloud.apiv2.registry import ApiRequest, ApiResult, action
from tracking import selectors, services
from tracking.selectors import TRACK_TYPES, TrackQuery, UnsubscribeQuery

RANGE_DAYS = 92  # "at most three months"
UNSUBSCRIBE_CREATED = 40401  # unsubscribe/add answers this statusCode on success, as SendCloud does


def _label_ids(params: Params) -> list[int]:
    try:
        return [int(item) for item in params.list("labelIdList")]
    except ValueError:
        raise ApiError(40015, "labelIdList must be a ; list of label ids") from None


def _unsubscribe_query(params: Params) -> UnsubscribeQuery:
    email = params.str("email")
    if email:
        return UnsubscribeQuery(email=email)
    start, end = params.date_range(max_days=RANGE_DAYS, default_days=RANGE_DAYS)
    return UnsubscribeQuery(start=start, end=end)


@action("unsubscribe/list")
def unsubscribe_list(api: ApiRequest) -> dict:
    params = api.params
    query = _unsubscribe_query(params)
    query.api_users = params.list("apiUserList")
    query.label_ids = _label_ids(params)
    start, limit = params.paging()
    rows = selectors.unsubscribe_entries(account=api.account, query=query)
    items = [selectors.unsubscribe_item(row) for row in rows[start : start + limit]]
    return {"dataList": items, "count": len(items), "total": rows.count()}


@action("unsubscribe/add")
def unsubscribe_add(api: ApiRequest) -> ApiResult:
    text = api.params.str("email", required_code=40011)
    try:
        address = parse_mailbox(text).address
    except AddressError as error:
        raise ApiError(40012, str(error)) from None
    row, _created = services.add_unsubscribe(account=api.account, address=address, api_user=api.caller)
    return ApiResult(info={"data": selectors.unsubscribe_item(row)}, status_code=UNSUBSCRIBE_CREATED)


@action("unsubscribe/delete")
def unsubscribe_delete(api: ApiRequest) -> dict:
    entries = selectors.unsubscribe_entries(account=api.account, query=_unsubscribe_query(api.params))
    return {"count": services.delete_unsubscribes(entries=entries)}


@action("openandclick/list")
def openandclick_list(api: ApiRequest) -> dict:
    params = api.params
    raw_type = params.str("trackType")
    if raw_type not in ("", "1", "2"):
        raise ApiError(40902, "trackType must be 1 (open) or 2 (click)", message="invalid trackType")
    track_type = int(raw_type) if raw_type else None
    start_date, end_date = params.date_range(max_days=RANGE_DAYS, default_days=RANGE_DAYS)
    query = TrackQuery(
        start=start_date,
        end=end_date,
        email=params.str("email"),
        events=[TRACK_TYPES[track_type]] if track_type else list(TRACK_TYPES.values()),
        label_id=params.int("labelId", invalid_code=40015),
        api_users=params.list("apiUserList"),
    )
    start, limit = params.paging()
    rows = selectors.tracking_events(account=api.account, query=query)
    items = [selectors.openandclick_item(event) for event in rows[start : start + limit]]
    return {"total": rows.count(), "count": len(items), "dataList": items}
