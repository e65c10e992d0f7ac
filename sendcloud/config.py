"""Settings read from the environment through strict parsers.

Every variable the platform reads is declared here once, with its parser and default; a malformed
value raises ``ConfigError`` naming the variable, and ``manage.py`` turns that into a one-line
message and exit status 2.  The README's configuration table mirrors this module.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SENDCLOUD_VAR_DIR", BASE_DIR / "var"))

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class ConfigError(Exception):
    """A setting from the environment that cannot be used."""


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def parse_port(name: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{name}: {value!r} is not a TCP port (1-65535)")
    return int(value)


def parse_hostname(name: str, value: str) -> str:
    lowered = value.lower().rstrip(".")
    if not _HOSTNAME.match(lowered):
        raise ConfigError(f"{name}: {value!r} is not a valid host name")
    return lowered


def parse_host_port(name: str, item: str, default_port: int | None = None) -> HostPort:
    item = item.strip()
    if item.startswith("["):  # [::1]:53
        host, _, rest = item[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif item.count(":") == 1:
        host, port_text = item.split(":")
    else:
        host, port_text = item, ""
    if not port_text:
        if default_port is None:
            raise ConfigError(f"{name}: {item!r} needs a port (host:port)")
        port = default_port
    else:
        port = parse_port(name, port_text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = parse_hostname(name, host)
    return HostPort(host, port)


def host_port_list(name: str, default: str, default_port: int | None = None) -> list[HostPort]:
    value = _raw(name) or default
    if not value:
        return []
    items = [part for part in value.split(",")]
    if any(not part.strip() for part in items):
        raise ConfigError(f"{name}: empty entry in {value!r}")
    return [parse_host_port(name, part, default_port) for part in items]


def url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _raw(name) or default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ConfigError(f"{name}: {value!r} is not a URL with scheme {' or '.join(schemes)}")
    return value


def optional_url(name: str, schemes: tuple[str, ...]) -> str | None:
    if _raw(name) is None:
        return None
    return url(name, "", schemes)


def hostname(name: str, default: str) -> str:
    return parse_hostname(name, _raw(name) or default)


def port(name: str, default: int) -> int:
    value = _raw(name)
    return default if value is None else parse_port(name, value)


def positive_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}: {value!r} is not a positive whole number")
    return int(value)


def boolean(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: {value!r} is not a boolean (true/false)")


def existing_file(name: str) -> Path | None:
    value = _raw(name)
    if value is None:
        return None
    path = Path(value)
    if not path.is_file():
        raise ConfigError(f"{name}: file {value!r} does not exist")
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/."""
    value = _raw("SECRET_KEY")
    if value is not None:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY: must be at least 32 characters")
        return value
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
