"""Who opened or clicked: the client's IP and user agent, parsed into browser, OS and device (ua-parser),
and whether the request came from a known image prefetcher rather than a person.

Prefetchers: Gmail's image proxy (``GoogleImageProxy``), Yahoo's (``YahooMailProxy``) and Apple Mail
Privacy Protection, which fetches images with the bare user agent ``Mozilla/5.0`` from Apple's own
network (17.0.0.0/8).  Their opens are recorded but flagged ``prefetch`` so statistics can leave them out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

import ua_parser

APPLE_NETWORK = ipaddress.ip_network("17.0.0.0/8")
MAX_USER_AGENT = 512
DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD", "OpenBSD"}
MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "HarmonyOS", "KaiOS"}


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str
    browser: str
    browser_version: str
    os: str
    os_version: str
    device: str  # the device model family, e.g. "iPhone"; "" when unknown or a desktop
    device_type: str  # desktop | mobile | tablet | bot | other
    prefetcher: str  # "" for a person; apple-mail-privacy | gmail-image-proxy | yahoo-mail-proxy

    @property
    def prefetch(self) -> bool:
        return bool(self.prefetcher)

    def detail(self) -> dict:
        """The event fields every open, click and unsubscribe carries."""
        return {
            "ip": self.ip,
            "userAgent": self.user_agent,
            "browser": self.browser,
            "browserVersion": self.browser_version,
            "os": self.os,
            "osVersion": self.os_version,
            "device": self.device,
            "deviceType": self.device_type,
            "prefetch": self.prefetch,
            "prefetcher": self.prefetcher,
        }


def _version(part) -> str:
    if part is None:
        return ""
    return ".".join(str(v) for v in (part.major, part.minor, part.patch) if v)


@lru_cache(maxsize=2048)
def _parse(user_agent: str) -> tuple[str, str, str, str, str, str]:
    result = ua_parser.parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    os_name = result.os.family if result.os else ""
    device_family = result.device.family if result.device else ""
    if device_family == "Spider" or browser in ("GmailImageProxy", "YahooMailProxy"):
        device_type = "bot"
    elif "iPad" in device_family or "Tablet" in device_family or "Tablet" in user_agent or (
        os_name == "Android" and "Mobile" not in user_agent
    ):
        device_type = "tablet"
    elif os_name in MOBILE_OS or "Mobile" in user_agent:
        device_type = "mobile"
    elif os_name in DESKTOP_OS:
        device_type = "desktop"
    else:
        device_type = "other"
    device = "" if device_family in ("", "Other", "Spider", "Mac") else device_family
    return (
        "" if browser == "Other" else browser,
        _version(result.user_agent),
        "" if os_name == "Other" else os_name,
        _version(result.os),
        device,
        device_type,
    )


def _prefetcher(ip: str, user_agent: str) -> str:
    if "GoogleImageProxy" in user_agent:
        return "gmail-image-proxy"
    if "YahooMailProxy" in user_agent:
        return "yahoo-mail-proxy"
    try:
        apple = ipaddress.ip_address(ip) in APPLE_NETWORK
    except ValueError:
        apple = False
    if user_agent.strip() == "Mozilla/5.0" or apple:
        return "apple-mail-privacy"
    return ""


def client_from(meta: dict) -> Client:
    """The client of a request, from its ``META`` (REMOTE_ADDR: put the platform behind a proxy
    that sets it, e.g. gunicorn's forwarded-allow-ips, to see the recipient's address)."""
    ip = meta.get("REMOTE_ADDR", "") or ""
    user_agent = (meta.get("HTTP_USER_AGENT", "") or "")[:MAX_USER_AGENT]
    browser, browser_version, os_name, os_version, device, device_type = _parse(user_agent)
    return Client(
        ip=ip,
        user_agent=user_agent,
        browser=browser,
        browser_version=browser_version,
        os=os_name,
        os_version=os_version,
        device=device,
        device_type=device_type,
        prefetcher=_prefetcher(ip, user_agent),
    )
