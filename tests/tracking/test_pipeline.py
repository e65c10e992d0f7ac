"""The tracking step of the delivery pipeline, on real sends (mail/send -> MIME -> tracking -> DKIM)."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import dkim
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery import engine
from delivery.models import Email, EmailStatus
from domains.models import TrackingDomain
from sendcloud import resolver
from tracking import tokens
from tracking.pipeline import tracking_options

pytestmark = pytest.mark.django_db

HTML = (
    '<html><body><div><p>Hi <a href="https://shop.example/a?x=1&amp;y=2#f">Shop</a> '
    '<a href="mailto:help@shop.example">Mail</a> <a href="#top">Top</a></p></div></body></html>'
)
TOKEN = r"[0-9a-z]+\.[a-z2-7]{26}"


def off(*names):
    return json.dumps({"filters": {name: {"settings": {"enable": "0"}} for name in names}})


def html_of(message):
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def plain_of(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_everything_on_by_default(prepared):
    row, message, _data = prepared(html=HTML, plain="Hi there")
    open_token = tokens.email_token(tokens.OPEN, row.pk)
    unsubscribe_token = tokens.email_token(tokens.UNSUBSCRIBE, row.pk)
    click_token = tokens.click_token(row.pk, 0, "https://shop.example/a?x=1&y=2#f")
    assert html_of(message) == (
        f'<html><body><div><p>Hi <a href="http://testserver/t/c/{click_token}">Shop</a> '
        '<a href="mailto:help@shop.example">Mail</a> <a href="#top">Top</a></p></div>'
        '<p style="margin:16px 0 0;font-size:12px;line-height:1.5;color:#888888;text-align:center">'
        "If you no longer wish to receive these emails, you can "
        f'<a href="http://testserver/t/u/{unsubscribe_token}" style="color:#888888;text-decoration:underline">'
        "unsubscribe</a>.</p>"
        f'<img src="http://testserver/t/o/{open_token}" width="1" height="1" alt="" '
        'style="display:block;width:1px;height:1px;border:0" /></body></html>\n'
    )
    assert plain_of(message) == f"Hi there\n\nUnsubscribe: http://testserver/t/u/{unsubscribe_token}\n"
    assert message["List-Unsubscribe"] == (
        f"<http://testserver/t/u/{unsubscribe_token}/one-click>, "
        f"<mailto:unsubscribe+{unsubscribe_token}@sendcloud.test>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_api_users_switches_turn_tracking_off(prepared, api_user):
    api_user.open_tracking = api_user.click_tracking = api_user.unsubscribe_tracking = False
    api_user.save()
    _row, message, _data = prepared(html=HTML, plain="Hi there")
    assert html_of(message) == HTML + "\n"
    assert plain_of(message) == "Hi there\n"
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


def test_request_filters_override_the_api_user_both_ways(prepared, api_user):
    _row, message, _data = prepared(html=HTML, xsmtpapi=off("open_tracking", "subscription_tracking"))
    html = html_of(message)
    assert "/t/c/" in html and "/t/o/" not in html and "/t/u/" not in html
    assert message["List-Unsubscribe"] is None

    api_user.open_tracking = api_user.click_tracking = api_user.unsubscribe_tracking = False
    api_user.save()
    filters = {"filters": {"open_tracking": {"settings": {"enable": "1"}}, "click_tracking": {"settings": {"enable": 1}}}}
    _row, message, _data = prepared(html=HTML, xsmtpapi=json.dumps(filters))
    html = html_of(message)
    assert "/t/o/" in html and "/t/c/" in html and "/t/u/" not in html


def test_filter_values_are_read_leniently():
    class Switches:
        open_tracking = click_tracking = unsubscribe_tracking = True

    filters = {
        "open_tracking": {"settings": {"enable": "false"}},
        "click_tracking": {"settings": {"enable": "maybe"}},  # unreadable: the API_USER's switch stays
        "unsubscribe_tracking": {"settings": {"enable": 0}},  # the alias of subscription_tracking
    }
    options = tracking_options(api_user=Switches(), filters=filters)
    assert (options.open, options.click, options.unsubscribe) == (False, True, False)
    assert tracking_options(api_user=Switches(), filters=None).open is True


def test_the_placeholder_becomes_the_unsubscribe_link_instead_of_the_footer(prepared):
    html = '<p>Bye: <a href="%%user_defined_unsubscribe_link%%">leave</a></p>'
    row, message, _data = prepared(html=html, plain="Leave: %%user_defined_unsubscribe_link%%",
                                   xsmtpapi=off("open_tracking"))
    url = f"http://testserver/t/u/{tokens.email_token(tokens.UNSUBSCRIBE, row.pk)}"
    assert html_of(message) == f'<p>Bye: <a href="{url}">leave</a></p>\n'
    assert plain_of(message) == f"Leave: {url}\n"


def test_the_placeholder_works_even_with_unsubscribe_tracking_off(prepared, api_user):
    api_user.unsubscribe_tracking = False
    api_user.save()
    row, message, _data = prepared(html='<a href="%%user_defined_unsubscribe_link%%">x</a>',
                                   xsmtpapi=off("open_tracking", "click_tracking"))
    token = tokens.email_token(tokens.UNSUBSCRIBE, row.pk)
    assert html_of(message) == f'<a href="http://testserver/t/u/{token}">x</a>\n'
    assert message["List-Unsubscribe"].startswith(f"<http://testserver/t/u/{token}/one-click>")


def test_a_custom_unsubscribe_page_gets_the_link_with_parameters(prepared, api_user):
    api_user.unsubscribe_page_url = "https://www.customer.example/bye?lang=zh"
    api_user.save()
    row, message, _data = prepared(html="<p>x</p>", xsmtpapi=off("open_tracking"))
    href = re.search(r'<a href="([^"]+)"', html_of(message)).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.customer.example", "/bye")
    assert parse_qs(parts.query) == {
        "lang": ["zh"], "email": ["a@rcpt.example.test"], "emailId": [row.email_id],
        "token": [tokens.email_token(tokens.UNSUBSCRIBE, row.pk)],
    }
    # the one-click header still points at the platform, which can act on it
    assert message["List-Unsubscribe"].startswith("<http://testserver/t/u/")


def test_a_verified_custom_tracking_domain_hosts_the_links(prepared, api_user):
    domain = TrackingDomain.objects.create(account=api_user.account, name="t.mail.example.test", verified=True,
                                           certificate_pem="-----BEGIN CERTIFICATE-----\n")
    api_user.tracking_domain = domain
    api_user.save()
    _row, message, _data = prepared(html=HTML)
    hosts = set(re.findall(r'(?:href|src)="(https?://[^/"]+)/t/', html_of(message)))
    assert hosts == {"https://t.mail.example.test"}
    assert message["List-Unsubscribe"].startswith("<https://t.mail.example.test/t/u/")

    domain.verified = False  # a failed re-check: links fall back to the platform's host
    domain.save()
    _row, message, _data = prepared(html=HTML)
    assert set(re.findall(r'(?:href|src)="(https?://[^/"]+)/t/', html_of(message))) == {"http://testserver"}


def test_an_html_only_message_is_rewritten_in_place(prepared):
    _row, message, _data = prepared(html=HTML, xsmtpapi=off("subscription_tracking"))
    assert message.get_content_type() == "text/html"
    assert "/t/o/" in html_of(message) and "/t/c/" in html_of(message)


def test_inline_images_and_attachments_survive_and_an_html_attachment_is_not_rewritten(prepared):
    attached = SimpleUploadedFile("page.html", b'<a href="https://attached.example/">a</a>', "text/html")
    image = SimpleUploadedFile("logo.png", b"\x89PNG-bytes", "image/png")
    html = '<p><img src="cid:logo1"><a href="https://shop.example/">Shop</a></p>'
    _row, message, _data = prepared(html=html, plain="Hi", attachments=attached, embeddedImage=image,
                                    embeddedCid="logo1", xsmtpapi=off("subscription_tracking"))
    assert message.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png",
        "text/html"]
    body_html = html_of(message)
    assert body_html.startswith('<p><img src="cid:logo1"><a href="http://testserver/t/c/')
    assert "/t/o/" in body_html
    parts = list(message.walk())
    assert parts[5].get_content() == b"\x89PNG-bytes"
    assert parts[6].get_filename() == "page.html"
    assert parts[6].get_content().replace("\r\n", "\n") == '<a href="https://attached.example/">a</a>'
    assert plain_of(message) == "Hi\n"


def test_a_senders_own_list_unsubscribe_header_is_kept(prepared):
    headers = json.dumps({"List-Unsubscribe": "<mailto:leave@customer.example>"})
    _row, message, _data = prepared(html=HTML, headers=headers)
    assert message.get_all("List-Unsubscribe") == ["<mailto:leave@customer.example>"]
    assert message["List-Unsubscribe-Post"] is None


def test_the_footer_follows_the_accounts_language(prepared, account):
    account.language = "zh-hans"
    account.save()
    row, message, _data = prepared(html="<p>x</p>", plain="x", xsmtpapi=off("open_tracking"))
    url = f"http://testserver/t/u/{tokens.email_token(tokens.UNSUBSCRIBE, row.pk)}"
    assert "如果您不想再收到此类邮件" in html_of(message)
    assert plain_of(message) == f"x\n\n取消订阅：{url}\n"


def test_dkim_signature_covers_list_unsubscribe_and_verifies(send, smtp_sink, signing_domain, tracking_settings):
    rows = send(html=HTML, plain="Hi there")
    engine.deliver_batch([row.pk for row in rows])
    assert Email.objects.get(pk=rows[0].pk).status == EmailStatus.DELIVERED
    data = smtp_sink.messages[0].data
    head = re.sub(rb"\r\n[ \t]+", b" ", data.split(b"\r\n\r\n")[0])
    signed = re.search(rb"h=([^;]+);", head).group(1).replace(b" ", b"").split(b":")
    assert b"list-unsubscribe" in signed and b"list-unsubscribe-post" in signed
    assert b"/t/c/" in data  # the signed body is the rewritten one

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return "".join(resolver.txt(name)).encode()

    assert dkim.verify(data, dnsfunc=dnsfunc) is True
    forged = re.sub(rb"List-Unsubscribe: <[^>]+>", b"List-Unsubscribe: <https://evil.example/x>", data, count=1)
    assert forged != data
    assert dkim.verify(forged, dnsfunc=dnsfunc) is False
