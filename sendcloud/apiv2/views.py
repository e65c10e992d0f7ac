"""The one view behind every ``/apiv2/<module>/<action>`` URL: parse, authenticate, dispatch, render.

Every response, success or failure, is SendCloud's envelope ``{"result", "statusCode", "message",
"info"}``.  API-level errors keep HTTP 200 as SendCloud does (its official SDK treats any other
HTTP status as a transport error); only an unknown path (404) or a wrong method (405) differ.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sendcloud.apiv2 import auth
from sendcloud.apiv2.errors import MESSAGES, ApiError
from sendcloud.apiv2.params import Params
from sendcloud.apiv2.registry import ACTIONS, ApiRequest, ApiResult

logger = logging.getLogger(__name__)

SERVER_ERROR = 501


def envelope(*, result: bool, status_code: int, message: str, info: dict, http_status: int = 200) -> JsonResponse:
    body = {"result": result, "statusCode": status_code, "message": message, "info": info}
    return JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})


def error_response(error: ApiError, http_status: int = 200) -> JsonResponse:
    return envelope(result=False, status_code=error.status_code, message=error.message, info={}, http_status=http_status)


@csrf_exempt
def dispatch(request: HttpRequest, path: str) -> JsonResponse:
    action = ACTIONS.get(path)
    if action is None:
        return error_response(ApiError(404, message=f"no such API: /apiv2/{path}"), http_status=404)
    if request.method not in action.methods:
        allowed = " or ".join(action.methods)
        return error_response(ApiError(405, message=f"method {request.method} not allowed, use {allowed}"), 405)
    body = request.POST if request.method == "POST" else None
    params = Params(request.GET, body, request.FILES if request.method == "POST" else None)
    try:
        api_request = ApiRequest(params=params, http=request)
        if action.authenticated:
            api_request.caller = auth.authenticate(params, request)
        with transaction.atomic():
            outcome = action.handler(api_request)
    except ApiError as error:
        return error_response(error)
    except Exception:
        logger.exception("unhandled error in /apiv2/%s", path)
        return error_response(ApiError(SERVER_ERROR))
    if not isinstance(outcome, ApiResult):
        outcome = ApiResult(info=outcome)
    message = outcome.message or MESSAGES.get(outcome.status_code, MESSAGES[200])
    return envelope(result=True, status_code=outcome.status_code, message=message, info=outcome.info)
