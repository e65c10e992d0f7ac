"""Authentication of ``/apiv2/`` calls by ``apiUser`` + ``apiKey`` (sendcloud-api-v2.md §1).

This module owns the contract (which parameters, which statusCode on failure); the credential
check itself belongs to the app that owns API_USERs, which installs it with ``set_authenticator``
from its ``AppConfig.ready``.  Until one is installed every call is refused with 40005.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params

AUTH_FAILED = 40005

Authenticator = Callable[..., Any]
_authenticator: Authenticator | None = None


def set_authenticator(authenticator: Authenticator) -> None:
    """Install ``authenticator(*, api_user, api_key, client_ip)`` returning the caller or None."""
    global _authenticator
    _authenticator = authenticator


def client_ip(http: HttpRequest) -> str:
    return http.META.get("REMOTE_ADDR", "")


def authenticate(params: Params, http: HttpRequest) -> Any:
    api_user = params.str("apiUser")
    api_key = params.str("apiKey")
    if not api_user or not api_key or _authenticator is None:
        raise ApiError(AUTH_FAILED)
    caller = _authenticator(api_user=api_user, api_key=api_key, client_ip=client_ip(http))
    if caller is None:
        raise ApiError(AUTH_FAILED)
    return caller
