"""Which tracking host a request arrived on, from its Host header.

The platform's own host (``PUBLIC_URL``'s, and ``track.<PLATFORM_DOMAIN>``, the target every custom
tracking domain CNAMEs to) serves every account's links; a custom tracking domain serves only while it
is verified, and only its own account's links.  Any other Host is not ours: 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port

from domains.models import TrackingDomain


@dataclass(frozen=True)
class TrackingHost:
    tracking_domain: TrackingDomain | None  # None: the platform's own host

    def serves(self, account_id: int) -> bool:
        return self.tracking_domain is None or self.tracking_domain.account_id == account_id


def system_hostnames() -> set[str]:
    return {(urlsplit(settings.PUBLIC_URL).hostname or "").lower(), f"track.{settings.PLATFORM_DOMAIN}".lower()}


def tracking_host(request: HttpRequest) -> TrackingHost:
    hostname, _port = split_domain_port(request.get_host())
    hostname = hostname.lower().rstrip(".").strip("[]")
    if hostname in system_hostnames():
        return TrackingHost(tracking_domain=None)
    tracking_domain = TrackingDomain.objects.filter(name=hostname, verified=True).first()
    if tracking_domain is None:
        raise Http404("not a tracking host")
    return TrackingHost(tracking_domain=tracking_domain)
