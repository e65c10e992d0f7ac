"""MIME built once per email: structure, headers, encodings, attachments, inline images."""

import json
from email import message_from_bytes
from email.policy import SMTP
from email.policy import default as default_policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery import mime
from delivery.models import Email
from tests.delivery.helpers import sender_of
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


def built(client, api_user, **data):
    payload = {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "from": sender_of(api_user),
               "subject": "Hello", **data}
    body = client.post("/apiv2/mail/send", payload).json()
    assert body["result"] is True, body
    email_row = Email.objects.order_by("position").first()
    wire = mime.build(email_row).as_bytes(policy=SMTP)
    return email_row, message_from_bytes(wire, policy=default_policy), wire


def test_plain_and_html_make_multipart_alternative_in_utf8(client, api_user):
    _, message, wire = built(client, api_user, to="a@example.com", subject="你好 %name%", html="<p>中文</p>",
                             plain="中文", fromName="发件人")
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "你好 %name%"
    assert b"=?utf-8?" in wire.split(b"\r\n\r\n")[0]  # RFC 2047 in the raw header
    assert message["From"].addresses[0].display_name == "发件人"
    assert message.get_body(("plain",)).get_content().strip() == "中文"
    assert message.get_body(("html",)).get_content().strip() == "<p>中文</p>"
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")


def test_html_only_and_plain_only(client, api_user):
    _, message, _ = built(client, api_user, to="a@example.com", html="<b>x</b>")
    assert message.get_content_type() == "text/html"
    Email.objects.all().delete()
    _, message, _ = built(client, api_user, to="b@example.com", plain="just text")
    assert message.get_content_type() == "text/plain"


def test_headers_reply_to_notification_and_custom(client, api_user):
    headers = {"SC-Custom-Order": "42", "X-Campaign": "winter", "Subject": "ignored", "Message-ID": "<mine@x.test>"}
    email_row, message, _ = built(client, api_user, to="a@example.com", html="x", replyTo="r1@x.test;r2@x.test",
                                  useNotification="true", headers=json.dumps(headers))
    assert message["Reply-To"] == "r1@x.test, r2@x.test"
    assert message["Disposition-Notification-To"] == sender_of(api_user)
    assert message["SC-Custom-Order"] == "42"
    assert message["X-Campaign"] == "winter"
    assert message["Subject"] == "Hello"
    assert message["Message-ID"] == "<mine@x.test>"
    assert email_row.request.user_headers == {"SC-Custom-Order": "42"}


def test_message_id_derives_from_the_email_id(client, api_user):
    email_row, message, _ = built(client, api_user, to="a@example.com;b@example.com", html="x")
    assert message["Message-ID"] == f"<{email_row.request.message_id}0@{api_user.domain.name}>"


def test_content_summary_is_the_hidden_first_element_of_the_body(client, api_user):
    _, message, _ = built(client, api_user, to="a@example.com", html="<html><body><p>Main</p></body></html>",
                          contentSummary="Preview text")
    html = message.get_body(("html",)).get_content()
    assert '<body><div style="display:none!important;' in html
    assert html.index("Preview text") < html.index("<p>Main</p>")


def test_attachments_and_inline_images(client, api_user):
    _, message, _ = built(
        client, api_user, to="a@example.com", html='<img src="cid:logo">', plain="see logo",
        attachments=SimpleUploadedFile("报告.pdf", b"%PDF", content_type="application/pdf"),
        embeddedImage=SimpleUploadedFile("logo.png", b"\x89PNG", content_type="image/png"),
        embeddedCid="logo",
    )
    assert message.get_content_type() == "multipart/mixed"
    attachments = list(message.iter_attachments())
    assert [(a.get_filename(), a.get_content_type(), a.get_content()) for a in attachments] == [
        ("报告.pdf", "application/pdf", b"%PDF")]
    related = next(part for part in message.walk() if part.get_content_type() == "multipart/related")
    image = next(part for part in related.walk() if part.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo>"
    assert image.get_content() == b"\x89PNG"


def test_shared_message_lists_to_and_cc_but_never_bcc(client, api_user):
    _, message, wire = built(client, api_user, to="Ann <a@example.com>", cc="c@example.com", bcc="hidden@example.com",
                             html="x")
    assert message["To"] == "Ann <a@example.com>"
    assert message["Cc"] == "c@example.com"
    assert b"hidden@example.com" not in wire
