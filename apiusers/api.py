"""/apiv2/ actions of the apiusers app: apiuser/list, apiuser/add, userinfo/get (sendcloud-api-v2.md
§2.9-2.10, DOCS:sources/email_v2/apiuser_do.md and user_info.md)."""

from __future__ import annotations

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apiusers import selectors, services
from apiusers.models import ApiUser, EmailType
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.registry import ApiRequest, action

# SendCloud answers these two as Chinese text, whatever the language of the request.
C_TYPE_TEXT = {True: "测试", False: "非测试"}
EMAIL_TYPE_TEXT = {EmailType.TRIGGER: "触发", EmailType.BATCH: "批量"}
UNLIMITED_QUOTA = -1  # userinfo/get "quota" of an API_USER without a daily limit
ACCOUNT_TYPE = "自托管用户"  # "self-hosted user": no free/paid distinction on this platform


def _flag(value: bool) -> int:
    return 1 if value else 0


def _describe(api_user: ApiUser, *, domain_key: str) -> dict:
    return {
        "name": api_user.name,
        "cType": C_TYPE_TEXT[api_user.is_test],
        "emailType": EMAIL_TYPE_TEXT[api_user.email_type],
        domain_key: api_user.domain.name,
        "neteaseSender": api_user.sender_address,
        "click": _flag(api_user.click_tracking),
        "open": _flag(api_user.open_tracking),
        "unsubscribe": _flag(api_user.unsubscribe_tracking),
    }


def _zero_or_one(request: ApiRequest, name: str, *, empty_code: int, invalid_code: int, default: int | None):
    """An optional 0/1 parameter: absent -> default; present but blank -> empty_code; else 0 or 1."""
    if name not in request.params:
        return default
    raw = request.params.str(name)
    if raw == "":
        raise ApiError(empty_code, f"parameter {name}", message=services.MESSAGES.get(empty_code))
    if raw not in ("0", "1"):
        raise ApiError(invalid_code, f"parameter {name}: {raw!r}", message=services.MESSAGES.get(invalid_code))
    return int(raw)


@action("apiuser/list")
def apiuser_list(request: ApiRequest) -> dict:
    email_type = _zero_or_one(request, "emailType", empty_code=41101, invalid_code=41102, default=None)
    c_type = _zero_or_one(request, "cType", empty_code=41103, invalid_code=41104, default=None)
    domain_name = request.params.str("domainName")
    api_users = selectors.list_api_users(
        account=request.account,
        email_type=email_type,
        is_test=None if c_type is None else c_type == 0,
        domain_name=domain_name,
    )
    data_list = [_describe(api_user, domain_key="domainName") for api_user in api_users]
    return {"count": len(data_list), "total": len(data_list), "dataList": data_list}


@action("apiuser/add")
@sensitive_variables("api_key", "data")
def apiuser_add(request: ApiRequest) -> dict:
    params = request.params
    name = params.str("name", required_code=41110)
    email_type = _zero_or_one(request, "emailType", empty_code=41101, invalid_code=41102, default=None)
    if email_type is None:
        raise ApiError(41101, "parameter emailType")
    domain_name = params.str("domainName", required_code=41105)
    open_tracking = _zero_or_one(request, "open", empty_code=41113, invalid_code=41114, default=1)
    click_tracking = _zero_or_one(request, "click", empty_code=41115, invalid_code=41116, default=1)
    unsubscribe_tracking = _zero_or_one(request, "unsubscribe", empty_code=41117, invalid_code=41118, default=1)
    api_user, api_key = services.create_api_user(
        account=request.account,
        name=name,
        email_type=email_type,
        domain_name=domain_name,
        open_tracking=bool(open_tracking),
        click_tracking=bool(click_tracking),
        unsubscribe_tracking=bool(unsubscribe_tracking),
    )
    data = _describe(api_user, domain_key="domain")
    data["nameKey"] = api_key  # the only time this API_KEY is ever shown
    return {"total": 1, "data": data}


@action("userinfo/get")
def userinfo_get(request: ApiRequest) -> dict:
    account = request.account
    caller = request.caller
    quota = caller.daily_quota
    return {
        # No billing on a self-hosted platform: balances are 0; SendCloud's example spells the key
        # "avaliableBalance" while its table says "availableBalance", so both are given.
        "availableBalance": 0,
        "avaliableBalance": 0,
        "balance": 0,
        "email": account.email,
        "phone": "",
        "quota": UNLIMITED_QUOTA if quota is None else quota,
        "todayUsedQuota": services.quota_used_today(api_user=caller),
        "regTime": timezone.localtime(account.date_joined).strftime("%Y-%m-%d"),
        "reputation": 100,
        "userName": account.email,
        "accountType": ACCOUNT_TYPE,
        "websiteAuthStatus": False,
        "businessAuthStatus": False,
    }
