import os
import subprocess
import sys
from pathlib import Path

import pytest

from sendcloud import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:2525", [config.HostPort("127.0.0.1", 2525)]),
        ("0.0.0.0:25,0.0.0.0:587", [config.HostPort("0.0.0.0", 25), config.HostPort("0.0.0.0", 587)]),
        ("[::1]:465", [config.HostPort("::1", 465)]),
        ("smtp.example.com:2525", [config.HostPort("smtp.example.com", 2525)]),
    ],
)
def test_host_port_lists_parse(monkeypatch, value, expected):
    monkeypatch.setenv("SMTP_LISTEN", value)
    assert config.host_port_list("SMTP_LISTEN", "") == expected


def test_nameservers_default_to_port_53(monkeypatch):
    monkeypatch.setenv("DNS_NAMESERVERS", "127.0.0.1:5353,10.0.0.2")
    assert config.host_port_list("DNS_NAMESERVERS", "", default_port=53) == [
        config.HostPort("127.0.0.1", 5353),
        config.HostPort("10.0.0.2", 53),
    ]


@pytest.mark.parametrize(
    ("name", "value", "reader"),
    [
        ("SMTP_LISTEN", "127.0.0.1", lambda: config.host_port_list("SMTP_LISTEN", "")),
        ("SMTP_LISTEN", "127.0.0.1:99999", lambda: config.host_port_list("SMTP_LISTEN", "")),
        ("SMTP_LISTEN", "127.0.0.1:25,", lambda: config.host_port_list("SMTP_LISTEN", "")),
        ("DELIVERY_PORT", "twenty-five", lambda: config.port("DELIVERY_PORT", 25)),
        ("PLATFORM_DOMAIN", "bad_domain!", lambda: config.hostname("PLATFORM_DOMAIN", "x.test")),
        ("PUBLIC_URL", "ftp://example.com", lambda: config.url("PUBLIC_URL", "", ("http", "https"))),
        ("DEBUG", "maybe", lambda: config.boolean("DEBUG", False)),
        ("SMTP_TLS_CERT", "/no/such/file.pem", lambda: config.existing_file("SMTP_TLS_CERT")),
    ],
)
def test_malformed_values_name_the_variable(monkeypatch, name, value, reader):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError) as raised:
        reader()
    assert str(raised.value).startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("name", "value"),
    [("SMTP_LISTEN", "localhost"), ("DATABASE_URL", "mysql://x/y"), ("REDIS_URL", "http://x"), ("DELIVERY_PORT", "0")],
)
def test_manage_py_stops_with_one_line_naming_the_variable(name, value):
    env = {**os.environ, name: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"configuration error: {name}: ")
    assert "Traceback" not in result.stderr
