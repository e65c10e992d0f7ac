"""The ingress's decisions and its MIME parsing, called without a socket."""

import base64
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apiusers.models import ApiUser
from delivery.addresses import Mailbox
from delivery.models import RecipientRole
from delivery.services import plan_recipients
from domains.models import Domain
from ingress import decisions, parsing, replies
from ingress.replies import Refusal
from sendcloud.apiv2.errors import ApiError

OWN = "mail.example.test"


def login_for(domain_name: str = OWN, status: str = "verified", label_id=None) -> decisions.Login:
    """An unsaved API_USER: MAIL and RCPT decisions read only its domain."""
    return decisions.Login(ApiUser(name="sender_one", domain=Domain(name=domain_name, status=status)), label_id)


def b64(data) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def parse(data: bytes, rcpt_tos=("a@rcpt.example.test",), envelope_sender=f"news@{OWN}", label_id=None):
    return parsing.parse_submission(
        data=data, rcpt_tos=list(rcpt_tos), envelope_sender=envelope_sender, label_id=label_id
    )


# --- AUTH user names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("api_user_1", ("api_user_1", None)), ("api_user_1#42", ("api_user_1", 42)), ("a.b-c@d#7", ("a.b-c@d", 7))],
)
def test_user_name_may_carry_a_label_id(text, expected):
    assert decisions.split_user_name(text) == expected


@pytest.mark.parametrize("text", ["api_user_1#", "api_user_1#x", "api_user_1#0", "api_user_1#-3", "api_user_1#٣"])
def test_label_id_after_hash_must_be_a_positive_number(text):
    with pytest.raises(ValueError):
        decisions.split_user_name(text)


def test_undecodable_credentials_are_refused_without_a_lookup():
    result = decisions.authenticate(user_name=b"\xff\xfe", password=b"x", client_ip="127.0.0.1")
    assert result == decisions.AuthDecision(None, "535 5.7.8 Authentication credentials invalid")


def test_malformed_label_is_refused_with_the_reason():
    result = decisions.authenticate(user_name=b"someone#abc", password=b"x", client_ip="127.0.0.1")
    assert result.login is None
    assert result.reply == (
        "535 5.7.8 Authentication credentials invalid: the label id after '#' must be a positive number, not 'abc'"
    )


# --- envelope addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, problem",
    [
        ("user@rcpt.example.test", None),
        ("first.last+tag@rcpt.example.test", None),
        ("@relay.example.com:user@rcpt.example.test", "source routes are not accepted"),
        ("@a.example,@b.example:user@rcpt.example.test", "source routes are not accepted"),
        ('"user@evil.example"@rcpt.example.test', "quoted local parts are not accepted"),
        ('"a b"@rcpt.example.test', "quoted local parts are not accepted"),
        ("user%evil.example@rcpt.example.test", "percent-hack and bang-path addresses are not accepted"),
        ("evil.example!user@rcpt.example.test", "percent-hack and bang-path addresses are not accepted"),
        ("user@[127.0.0.1]", "address literals are not accepted"),
        ("user@localhost", "the domain must be a fully qualified name"),
        ("user@", "not an e-mail address"),
        ("userexample.test", "not an e-mail address"),
        ("user@exa mple.test", "not an e-mail address"),
        ("user@-bad-.example.test", "not an e-mail address"),
    ],
)
def test_address_problem(address, problem):
    assert decisions.address_problem(address) == problem


def test_unauthenticated_sender_is_taken_and_every_recipient_refused(settings):
    assert decisions.mail_from(login=None, address="someone@elsewhere.example") == (
        "250 2.1.0 sender <someone@elsewhere.example> OK"
    )
    assert decisions.rcpt_to(login=None, address="user@rcpt.example.test", accepted=[]) == (
        "550 5.7.1 Relaying denied: authenticate with AUTH (API_USER / API_KEY) to send mail"
    )
    bounce = f"bounce+1f-abcdef012345@{settings.PLATFORM_DOMAIN}"
    assert decisions.rcpt_to(login=None, address=bounce, accepted=[]) == (
        f"550 5.7.1 Inbound mail for <{bounce}> is not handled yet"
    )
    assert decisions.rcpt_to(login=None, address=f"reply@abc.{settings.PLATFORM_DOMAIN}", accepted=[]).startswith(
        "550 5.7.1 Inbound mail for"
    )


def test_authenticated_sender_must_be_on_the_api_users_usable_domain():
    login = login_for()
    assert decisions.mail_from(login=login, address=f"news@{OWN}") == f"250 2.1.0 sender <news@{OWN}> OK"
    assert decisions.mail_from(login=login, address="News@MAIL.Example.Test") == (
        "250 2.1.0 sender <News@MAIL.Example.Test> OK"
    )
    assert decisions.mail_from(login=login, address="news@other.example.test") == (
        f"550 5.7.1 Sender <news@other.example.test> is not on the API_USER's domain {OWN}"
    )
    assert decisions.mail_from(login=login, address=f"news@sub.{OWN}").startswith("550 5.7.1 Sender")
    assert decisions.mail_from(login=login, address=f"news%evil.example@{OWN}") == (
        f"553 5.1.7 Bad sender address <news%evil.example@{OWN}>: percent-hack and bang-path addresses are not accepted"
    )
    unverified = login_for(status="unverified")
    assert decisions.mail_from(login=unverified, address=f"news@{OWN}") == (
        f"550 5.7.1 The domain {OWN} is not verified: it cannot send yet"
    )


def test_authenticated_recipients_up_to_one_hundred():
    login = login_for()
    accepted = [f"r{n}@rcpt.example.test" for n in range(99)]
    assert decisions.rcpt_to(login=login, address="x@rcpt.example.test", accepted=accepted) == (
        "250 2.1.5 recipient <x@rcpt.example.test> OK"
    )
    accepted.append("r99@rcpt.example.test")
    assert decisions.rcpt_to(login=login, address="x@rcpt.example.test", accepted=accepted) == (
        "452 4.5.3 Too many recipients: at most 100 per message"
    )
    assert decisions.rcpt_to(login=login, address="@relay.example:x@rcpt.example.test", accepted=[]) == (
        "553 5.1.3 Bad recipient address <@relay.example:x@rcpt.example.test>: source routes are not accepted"
    )


# --- replies for the intake service's refusals -----------------------------------------------------


@pytest.mark.parametrize(
    "code, expected",
    [
        (40802, "550 5.7.1 from invalid. detail (statusCode 40802)"),
        (40106, "550 5.7.1 label not found. detail (statusCode 40106)"),
        (40819, "552 5.3.4 Message too big: attachments > 10485760 bytes. detail (statusCode 40819)"),
        (40813, "554 5.6.0 xsmtpapi error: xsmtpapi format. detail (statusCode 40813)"),
        (40880, "554 5.6.0 xsmtpapi error: invalid address in xsmtpapi.to. detail (statusCode 40880)"),
        (40807, "550 5.5.3 Too many recipients: >100 recipients. detail (statusCode 40807)"),
        (40904, "451 4.7.1 Daily request quota exceeded, try again later: quota check failed. detail (statusCode 40904)"),
    ],
)
def test_api_errors_become_smtp_replies(code, expected):
    assert replies.for_api_error(ApiError(code, "detail")) == expected


def test_replies_are_one_line_of_ascii():
    text = replies.reply("550 5.7.1", "bad\r\n250 OK 中文\x00" + "x" * 600)
    assert text.startswith("550 5.7.1 bad??250 OK ???xxx")
    assert len(text) == replies.MAX_REPLY_LENGTH
    assert all(" " <= ch <= "~" for ch in text)


# --- DATA -> OutgoingMessage ------------------------------------------------------------------------


def test_roles_follow_the_headers_and_names_come_from_them():
    data = (
        f"From: News Desk <news@{OWN}>\r\n"
        "To: Ann <A@rcpt.example.test>, b@rcpt.example.test, not-a-recipient@rcpt.example.test\r\n"
        "Cc: =?utf-8?b?5byg5LiJ?= <c@rcpt.example.test>\r\n"
        "Subject: =?utf-8?b?5L2g5aW9?= world\r\n"
        "\r\nhello\r\n"
    ).encode()
    rcpts = ["d@rcpt.example.test", "c@rcpt.example.test", "b@rcpt.example.test", "a@rcpt.example.test",
             "B@rcpt.example.test"]
    message = parse(data, rcpt_tos=rcpts)
    assert message.sender == Mailbox(f"news@{OWN}", "News Desk")
    assert message.subject == "你好 world"
    assert message.to == [Mailbox("a@rcpt.example.test", "Ann"), Mailbox("b@rcpt.example.test", "")]
    assert message.cc == [Mailbox("c@rcpt.example.test", "张三")]
    assert message.bcc == [Mailbox("d@rcpt.example.test", "")]
    assert [(r.mailbox.address, r.role) for r in plan_recipients(message)] == [
        ("a@rcpt.example.test", RecipientRole.TO), ("b@rcpt.example.test", RecipientRole.TO),
        ("c@rcpt.example.test", RecipientRole.CC), ("d@rcpt.example.test", RecipientRole.BCC),
    ]
    assert message.plain == "hello\n" and message.html == ""
    assert message.raw_mime == data


def test_bodies_attachments_inline_images_reply_to_and_custom_headers():
    data = (
        f"From: news@{OWN}\r\n"
        "To: a@rcpt.example.test\r\n"
        "Subject: parts\r\n"
        "Message-ID: <client-side@example>\r\n"
        "Received: from somewhere\r\n"
        "Reply-To: help@example.com, Desk <desk@example.com>\r\n"
        "Disposition-Notification-To: news@mail.example.test\r\n"
        "SC-Custom-Order: 42\r\n"
        "X-Mailer: test\r\n"
        "X-Mailer: second copy ignored\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="outer"\r\n'
        "\r\n--outer\r\n"
        'Content-Type: multipart/related; boundary="rel"\r\n'
        "\r\n--rel\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n'
        "\r\n--alt\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("中文\r\nline".encode("gb2312")).decode() + "\r\n"
        "--alt\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        '<p>hi <img src="cid:logo"></p>\r\n'
        "--alt--\r\n"
        "--rel\r\n"
        "Content-Type: image/png\r\n"
        "Content-ID: <logo>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\x89PNG-bytes").decode() + "\r\n"
        "--rel--\r\n"
        "--outer\r\n"
        "Content-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="../report.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4").decode() + "\r\n"
        "--outer\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Disposition: attachment; filename=notes.txt\r\n\r\n"
        "attached text\r\n"
        "--outer\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "Subject: inner\r\n\r\ninner body\r\n"
        "--outer--\r\n"
    ).encode()
    message = parse(data)
    assert message.plain == "中文\nline"
    assert message.html == '<p>hi <img src="cid:logo"></p>'
    assert [(a.filename, a.content_type, a.data, a.content_id) for a in message.attachments] == [
        ("attachment-1.png", "image/png", b"\x89PNG-bytes", "logo"),
        ("report.pdf", "application/pdf", b"%PDF-1.4", ""),
        ("notes.txt", "text/plain", b"attached text", ""),
        ("attachment-4.eml", "message/rfc822", b"Subject: inner\r\n\r\ninner body", ""),
    ]
    assert message.reply_to == ["help@example.com", "desk@example.com"]
    assert message.use_notification is True
    assert message.headers == {"SC-Custom-Order": "42", "X-Mailer": "test"}


def test_message_without_from_uses_the_envelope_sender_and_8bit_headers_are_utf8():
    data = "To: 张三 <a@rcpt.example.test>\r\nSubject: 中文\r\nX-Note: 备注\r\n\r\n正文\r\n".encode()
    message = parse(data)
    assert message.sender == Mailbox(f"news@{OWN}", "")
    assert message.to == [Mailbox("a@rcpt.example.test", "张三")]
    assert message.subject == "中文"
    assert message.headers == {"X-Note": "备注"}
    assert message.plain == "正文\n"


def test_bare_line_endings_inside_data_are_ordinary_line_breaks():
    data = b"From: news@mail.example.test\r\nSubject: s\r\n\r\none\n.\r\nMAIL FROM:<x@y.test>\r\ntwo\r.\nthree\r\n"
    message = parse(data)
    assert message.plain == "one\n.\nMAIL FROM:<x@y.test>\ntwo\n.\nthree\n"


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"From: news@mail.example.test\r\nSubject: =?utf-8?b?aGkNCkJjYzogZXZpbEB4LmNvbQ==?=\r\n\r\nx",
         "554 5.6.0 The Subject header contains CR, LF or NUL"),
        (b"From: =?utf-8?b?QQ0KQg==?= <news@mail.example.test>\r\n\r\nx",
         "554 5.6.0 The From header cannot be parsed: invalid arguments; address parts cannot contain CR or LF"),
        (b"From: nobody\r\n\r\nx", "554 5.6.0 The From header has an invalid address: nobody"),
        (b"From: \r\n\r\nx", "554 5.6.0 The From header has no address"),
        (b"From: news@mail.example.test\r\nReply-To: a@x.test, b@x.test, c@x.test, d@x.test\r\n\r\nx",
         "554 5.6.0 Reply-To has 4 addresses, at most 3"),
        (b"From: news@mail.example.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nnul\x00here",
         "554 5.6.0 The message text contains NUL characters"),
        (b"From: news@mail.example.test\r\nX-SMTPAPI: not base64!\r\n\r\nx",
         "554 5.6.0 xsmtpapi error: X-SMTPAPI is not base64-encoded JSON (statusCode 40813)"),
        (b"From: news@mail.example.test\r\nX-SMTPAPI: " + base64.b64encode(b"{nope") + b"\r\n\r\nx",
         "554 5.6.0 xsmtpapi error: xsmtpapi is not valid JSON: Expecting property name enclosed in double "
         "quotes: line 1 column 2 (char 1) (statusCode 40813)"),
        (b"From: news@mail.example.test\r\nX-SMTPAPI: " + b64({"to": ["bad"]}).encode() + b"\r\n\r\nx",
         "554 5.6.0 xsmtpapi error: 'bad' is not an e-mail address (statusCode 40880)"),
    ],
)
def test_content_refusals(data, expected):
    with pytest.raises(Refusal) as refused:
        parse(data)
    assert refused.value.reply == expected


def test_xsmtpapi_header_gives_per_recipient_variables():
    header = b64({"to": ["a@rcpt.example.test", "b@rcpt.example.test"], "sub": {"%name%": ["Ann", "Bob"]},
                  "filters": {"open_tracking": {"settings": {"enable": "0"}}}})
    folded = "\r\n ".join(header[i:i + 60] for i in range(0, len(header), 60))
    data = f"From: news@{OWN}\r\nSubject: Hi %name%\r\nX-SMTPAPI: {folded}\r\n\r\nHi %name%\r\n".encode()
    message = parse(data, rcpt_tos=["ignored@rcpt.example.test"])
    assert [m.address for m in message.xsmtpapi.to] == ["a@rcpt.example.test", "b@rcpt.example.test"]
    assert message.xsmtpapi.filters == {"open_tracking": {"settings": {"enable": "0"}}}
    planned = plan_recipients(message)
    assert [(r.mailbox.address, r.role, r.variables) for r in planned] == [
        ("a@rcpt.example.test", RecipientRole.INDIVIDUAL, {"%name%": "Ann"}),
        ("b@rcpt.example.test", RecipientRole.INDIVIDUAL, {"%name%": "Bob"}),
    ]
    assert "X-SMTPAPI" not in message.headers


def test_label_from_the_login_goes_into_the_message():
    message = decisions.message_from_data(
        login=login_for(label_id=7), data=b"From: news@mail.example.test\r\n\r\nx", mail_from_address=f"news@{OWN}",
        rcpt_tos=["a@rcpt.example.test"],
    )
    assert message.label_id == 7


def test_lines_over_one_thousand_bytes_are_refused():
    assert parsing.too_long_line(b"a" * 998 + b"\r\nshort\r\n") is False
    assert parsing.too_long_line(b"short\r\n" + b"a" * 999 + b"\r\n") is True
    with pytest.raises(Refusal) as refused:
        decisions.message_from_data(login=login_for(), data=b"x" * 999 + b"\r\n", mail_from_address=f"news@{OWN}",
                                    rcpt_tos=["a@rcpt.example.test"])
    assert refused.value.reply == "500 5.5.6 Line too long: at most 1000 bytes per line (RFC 5321 4.5.3.1.6)"


# --- fuzzing (targets S10): any bytes give a message or a Refusal, never another exception ----------

HEADER_LINES = st.sampled_from([
    b"From: news@mail.example.test", b"From: =?utf-8?q?=E4=B8=AD?= <news@mail.example.test>", b"To: a@rcpt.example.test",
    b"Cc: \"x, y\" <a@rcpt.example.test>, (comment) b@rcpt.example.test", b"Subject: =?bogus?x?zzz?=",
    b"Content-Type: multipart/mixed; boundary=b", b"Content-Type: text/plain; charset=x-unknown",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable", b"--b", b"--b--",
    b"Content-Disposition: attachment; filename*=utf-8''%E4%B8%AD.txt", b"Content-ID: <c>",
    b"X-SMTPAPI: e30=", b"Reply-To: ;;;@@", b"To: undisclosed-recipients:;", b"Content-Type: message/rfc822",
])


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(HEADER_LINES, st.binary(max_size=40)), max_size=25), st.sampled_from([b"\r\n", b"\n", b"\r"]))
def test_fuzzed_messages_never_raise_anything_but_refusal(lines, separator):
    data = separator.join(lines)
    try:
        message = parse(data)
    except Refusal as refusal:
        assert refusal.reply[:3] in {"554", "500"}
    else:
        assert message.raw_mime == data
        assert "\x00" not in message.plain + message.html
