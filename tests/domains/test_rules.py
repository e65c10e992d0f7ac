"""Name rules and record parsers: exact cases, and no input makes them crash (Hypothesis)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domains import checks
from domains.rules import DomainError, brand_words, validate_name

HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mail.Example.COM", "mail.example.com"),
        ("  mail.example.com.  ", "mail.example.com"),
        ("xn--fiq228c.com", "xn--fiq228c.com"),  # the ASCII form of an IDN is letters, digits, hyphens
        ("a-b.c-d.example", "a-b.c-d.example"),
    ],
)
def test_accepted_names(raw, expected):
    assert validate_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", 41001),
        ("   ", 41001),
        ("a" * 251, 41002),
        ("ab_c.com", 41003),
        ("中文.com", 41003),
        ("example", 41003),
        ("a..b.com", 41003),
        ("-a.com", 41003),
        ("a-.com", 41003),
        ("a.123", 41003),
        ("x" * 64 + ".com", 41003),
        ("sendcloud.com", 41003),
        ("mail.ifaxin.cn", 41003),
        ("sendcloud.localhost", 41003),
    ],
)
def test_refused_names(raw, code):
    with pytest.raises(DomainError) as refused:
        validate_name(raw)
    assert refused.value.code == code


def test_new_name_codes():
    with pytest.raises(DomainError) as refused:
        validate_name("bad_name.com", codes=(41004, 41005, 41006))
    assert refused.value.code == 41006


def test_platform_brand_comes_from_platform_domain(settings):
    settings.PLATFORM_DOMAIN = "acmemail.example"
    assert brand_words() == ["sendcloud", "ifaxin", "acmemail"]
    with pytest.raises(DomainError):
        validate_name("news.acmemail.com")
    settings.PLATFORM_DOMAIN = "mail.acme.example"  # a generic first label is no brand
    assert brand_words() == ["sendcloud", "ifaxin"]
    assert validate_name("mail.customer.example") == "mail.customer.example"


@given(st.text(max_size=300))
def test_validate_name_only_accepts_host_names(raw):
    try:
        name = validate_name(raw)
    except DomainError as error:
        assert error.code in (41001, 41002, 41003)
        return
    assert HOSTNAME.match(name) and len(name) <= 250 and name == name.lower()


@given(st.text(max_size=300))
def test_record_parsers_never_crash(text):
    checks.tag_list(text)
    checks.valid_dmarc(text)
    checks._spf_targets(text)
    checks._is_spf(text)
