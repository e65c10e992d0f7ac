"""/apiv2/ actions of the webhooks app: webhook/list, webhook/add, webhook/update, webhook/delete
(sendcloud-api-v2.md §2.14; behaviour the docs leave open is written down in docs/api/webhooks.md).

A webhook is named by its ``url`` and ``categoryName`` (an API_USER of the caller's account, or
``all``).  Events are SendCloud's codes separated by commas (``1,3,18``), plus the word ``route``.
"""

from __future__ import annotations

from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params, format_time
from sendcloud.apiv2.registry import ApiRequest, action
from webhooks import selectors, services, vocabulary
from webhooks.models import Webhook


def describe(webhook: Webhook) -> dict:
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "categoryName": webhook.category_name,
        "event": ",".join(vocabulary.code_text(name) for name in webhook.events),
        "available": webhook.available,
        "gmtCreated": format_time(webhook.created_at),
        "gmtUpdated": format_time(webhook.updated_at),
    }


def _events(params: Params, name: str, *, required: bool) -> list[str] | None:
    """``1,3,18`` (commas; ``;`` tolerated) -> event names; blank -> 40703 when required, else None."""
    tokens = [token for part in params.list(name, separator=",") for token in part.split(";") if token.strip()]
    if not tokens:
        if required:
            raise ApiError(40703, f"parameter {name}")
        return None
    names = []
    for token in tokens:
        try:
            names.append(vocabulary.name_of(token))
        except vocabulary.UnknownEvent:
            raise ApiError(40704, f"parameter {name}: {token!r}") from None
    return names


def _raise(error: services.WebhookError):
    raise ApiError(error.status_code, error.reason) from None


def _find(request: ApiRequest) -> Webhook:
    params = request.params
    url = params.str("url", required_code=40705)
    category_name = params.str("categoryName", required_code=40701)
    try:
        api_user = services.category_api_user(request.account, category_name)
    except services.WebhookError as error:
        _raise(error)
    webhook = selectors.find_webhook(account=request.account, url=url, api_user=api_user)
    if webhook is None:
        raise ApiError(40709, f"no webhook for url {url!r} and categoryName {category_name!r}")
    return webhook


@action("webhook/list")
def webhook_list(request: ApiRequest) -> dict:
    params = request.params
    events = _events(params, "event", required=False)
    category_name = params.str("categoryName")
    api_user, all_only = None, False
    if category_name.lower() == "all":
        all_only = True
    elif category_name:
        api_user = selectors.account_api_users(account=request.account).filter(name=category_name).first()
        if api_user is None:
            return {"count": 0, "total": 0, "dataList": []}
    hooks = selectors.list_webhooks(account=request.account, url=params.str("url"), api_user=api_user,
                                    all_only=all_only, events=events)
    data_list = [describe(hook) for hook in hooks]
    return {"count": len(data_list), "total": len(data_list), "dataList": data_list}


@action("webhook/add")
def webhook_add(request: ApiRequest) -> dict:
    params = request.params
    url = params.str("url", required_code=40705)
    category_name = params.str("categoryName", required_code=40701)
    events = _events(params, "event", required=True)
    try:
        webhook = services.create_webhook(account=request.account, url=url, category_name=category_name,
                                          events=events)
    except services.WebhookError as error:
        _raise(error)
    return {"data": describe(webhook)}


def _new_value(params: Params, name: str, empty_code: int) -> str | None:
    """None when ``name`` is absent; present but blank is refused (SendCloud: none may be blank)."""
    if name not in params:
        return None
    value = params.str(name)
    if not value:
        raise ApiError(empty_code, f"parameter {name} may not be blank")
    return value


@action("webhook/update")
def webhook_update(request: ApiRequest) -> dict:
    params = request.params
    new_url = _new_value(params, "newUrl", 40705)
    new_category = _new_value(params, "newCategoryName", 40701)
    new_events = _events(params, "newEvent", required=True) if "newEvent" in params else None
    webhook = _find(request)
    if new_url is None and new_category is None and new_events is None:
        raise ApiError(40712, "give at least one of newUrl, newCategoryName, newEvent")
    try:
        webhook = services.update_webhook(webhook=webhook, url=new_url, category_name=new_category,
                                          events=new_events)
    except services.WebhookError as error:
        _raise(error)
    return {"count": 1, "data": describe(webhook)}


@action("webhook/delete")
def webhook_delete(request: ApiRequest) -> dict:
    params = request.params
    if "categoryName" in params:
        webhooks = [_find(request)]
    else:
        # Without categoryName every webhook of that URL goes (SendCloud's page is cut off here).
        url = params.str("url", required_code=40705)
        webhooks = selectors.list_webhooks(account=request.account, url=url)
        if not webhooks:
            raise ApiError(40709, f"no webhook for url {url!r}")
    for webhook in webhooks:
        services.delete_webhook(webhook=webhook)
    return {"count": len(webhooks)}
