"""Where each app registers its ``/apiv2/<module>/<action>`` handlers.

An app declares its actions in its own ``api.py`` with ``@action("module/name")``; the apps'
``api`` modules are imported by ``SendcloudConfig.ready`` through ``autodiscover``.  A handler
receives an ``ApiRequest`` and returns the ``info`` object of a successful response (or an
``ApiResult`` when the success carries a non-200 ``statusCode``, e.g. 40821 or 40401).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules

from sendcloud.apiv2.params import Params

SEND_METHODS = ("POST",)
ANY_METHOD = ("GET", "POST")


@dataclass
class ApiRequest:
    params: Params
    http: HttpRequest
    caller: Any = None  # the authenticated API_USER (see sendcloud.apiv2.auth)

    @property
    def account(self):
        return self.caller.account


@dataclass
class ApiResult:
    info: dict
    status_code: int = 200
    message: str | None = None


@dataclass
class Action:
    path: str
    handler: Callable[[ApiRequest], dict | ApiResult]
    methods: tuple[str, ...] = ANY_METHOD
    authenticated: bool = True
    extra: dict = field(default_factory=dict)


ACTIONS: dict[str, Action] = {}


def action(path: str, *, methods: tuple[str, ...] = ANY_METHOD, authenticated: bool = True):
    def register(handler):
        if path in ACTIONS:
            raise RuntimeError(f"/apiv2/{path} registered twice")
        ACTIONS[path] = Action(path=path, handler=handler, methods=methods, authenticated=authenticated)
        return handler

    return register


def autodiscover() -> None:
    autodiscover_modules("api")
