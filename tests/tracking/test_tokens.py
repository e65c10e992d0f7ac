"""Signed link tokens (targets.md S6)."""

import re

from tracking import tokens


def test_email_tokens_round_trip_and_are_case_insensitive():
    token = tokens.email_token(tokens.UNSUBSCRIBE, 123456789)
    assert re.fullmatch(r"[0-9a-z]+\.[a-z2-7]{26}", token)
    assert tokens.read_email_token(tokens.UNSUBSCRIBE, token) == 123456789
    assert tokens.read_email_token(tokens.UNSUBSCRIBE, token.upper()) == 123456789
    # short enough for the local part of unsubscribe+<token>@... even for huge ids (RFC 5321: 64 octets)
    assert len("unsubscribe+" + tokens.email_token(tokens.UNSUBSCRIBE, 10**13)) <= 64


def test_a_token_of_one_kind_is_not_valid_for_another():
    token = tokens.email_token(tokens.OPEN, 42)
    assert tokens.read_email_token(tokens.OPEN, token) == 42
    assert tokens.read_email_token(tokens.UNSUBSCRIBE, token) is None


def test_tampered_email_tokens_are_rejected():
    body, signature = tokens.email_token(tokens.OPEN, 42).split(".")
    forged_body = tokens.email_token(tokens.OPEN, 43).split(".")[0]
    flipped = signature[:-1] + ("a" if signature[-1] != "a" else "b")
    for token in [f"{forged_body}.{signature}", f"{body}.{flipped}", body, f"{body}.", "", "x.y", f"-1.{signature}"]:
        assert tokens.read_email_token(tokens.OPEN, token) is None


def test_click_tokens_carry_the_url_and_reject_tampering(settings):
    url = "https://例子.测试/路径?q=值&x=1#片段"
    token = tokens.click_token(7, 3, url)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[a-z2-7]{26}", token)
    assert tokens.read_click_token(token) == (7, 3, url)
    body, signature = token.split(".")
    other = tokens.click_token(7, 3, "https://evil.example/").split(".")[0]
    assert tokens.read_click_token(f"{other}.{signature}") is None
    assert tokens.read_click_token(f"{body[:-2]}.{signature}") is None
    assert tokens.read_click_token(token + "x") is None
    assert tokens.read_click_token(f"{body}é.{signature}") is None
    assert tokens.read_click_token(f"{body}.{signature[:-1]}é") is None
    # another SECRET_KEY: no longer genuine, unless the old key is kept as a fallback
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789abcdefghijklmnop"
    assert tokens.read_click_token(token) is None
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert tokens.read_click_token(token) == (7, 3, url)
