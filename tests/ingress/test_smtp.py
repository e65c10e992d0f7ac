"""The SMTP ingress over real sockets with smtplib: TLS, AUTH, acceptance, refusals, robustness."""

import base64
import json
import smtplib
import socket
import ssl

import pytest
from django.core.cache import cache

from apiusers import credentials as api_credentials
from delivery.models import Email, EmailStatus, RecipientRole, SendRequest, Source
from tests.delivery.helpers import sender_of, table_counts
from tests.factories import api_key_for
from tests.ingress.conftest import HOSTNAME

pytestmark = pytest.mark.django_db(transaction=True)

RCPT = "a@rcpt.example.test"


def message_bytes(api_user, *, subject="Hello", to=RCPT, extra="", body="Hello there"):
    return (
        f"From: News <{sender_of(api_user)}>\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def submit(client, api_user, *, rcpts=(RCPT,), data=None, mail_from=None):
    """MAIL, RCPT..., DATA the way SendCloud's Python sample does; returns DATA's (code, text)."""
    code, reply = client.mail(mail_from or sender_of(api_user))
    assert code == 250, reply
    for rcpt in rcpts:
        code, reply = client.rcpt(rcpt)
        assert code == 250, reply
    code, reply = client.data(data or message_bytes(api_user))
    return code, reply.decode()


def plain_login(client, user, key):
    """One AUTH PLAIN (smtplib's login() would also retry with LOGIN after a failure)."""
    client.user, client.password = user, key
    return client.auth("PLAIN", client.auth_plain)


def nothing_stored():
    return all(count == 0 for name, count in table_counts().items() if name != "Label")


# --- session, TLS, AUTH -------------------------------------------------------------------------------


def test_banner_and_ehlo_offer_starttls_then_auth_only_after_it(ingress, client_context):
    client = smtplib.SMTP("127.0.0.1", ingress.port(), timeout=30)
    try:
        code, reply = client.ehlo("client.example.test")
        assert code == 250
        assert reply.decode().splitlines() == [
            HOSTNAME, "PIPELINING", "SIZE 16000000", "8BITMIME", "STARTTLS", "HELP",
        ]
        client.starttls(context=client_context)
        code, reply = client.ehlo("client.example.test")
        assert reply.decode().splitlines() == [HOSTNAME, "PIPELINING", "SIZE 16000000", "8BITMIME", "AUTH LOGIN PLAIN",
                                               "HELP"]
        assert client.sock.version() in {"TLSv1.2", "TLSv1.3"}
    finally:
        client.close()


def test_banner_text(ingress):
    with socket.create_connection(("127.0.0.1", ingress.port()), timeout=30) as raw:
        assert raw.recv(1024) == f"220 {HOSTNAME} ESMTP ready\r\n".encode()


def test_auth_before_tls_is_refused(connect, credentials):
    client = connect(tls=False)
    blob = base64.b64encode(f"\0{credentials[0]}\0{credentials[1]}".encode()).decode()
    assert client.docmd("AUTH", f"PLAIN {blob}") == (
        538, b"5.7.11 Encryption required for requested authentication mechanism"
    )
    assert client.mail("news@x.example.test")[0] == 250  # unauthenticated: decided per recipient
    assert client.rcpt(RCPT) == (
        550, b"5.7.1 Relaying denied: authenticate with AUTH (API_USER / API_KEY) to send mail"
    )
    assert nothing_stored()


def test_auth_login_then_send_reply_carries_the_message_id(connect, credentials, api_user, api_client):
    client = connect()
    client.user, client.password = credentials
    assert client.auth("LOGIN", client.auth_login, initial_response_ok=False) == (
        235, b"2.7.0 Authentication successful"
    )
    code, reply = submit(client, api_user, rcpts=[RCPT, "b@rcpt.example.test"],
                         data=message_bytes(api_user, to=f"{RCPT}, Bee <b@rcpt.example.test>"))
    assert code == 250
    message_id = reply.split("#")[1]  # how SendCloud's own Python sample reads it
    assert reply == f"#{message_id}#Queued"
    request = SendRequest.objects.get()
    assert (request.message_id, request.source, request.from_address, request.from_name, request.subject) == (
        message_id, Source.SMTP, sender_of(api_user), "News", "Hello")
    assert request.plain == "Hello there\n"
    status = api_client("data/emailStatus", {"days": 1})
    email_ids = [item["emailId"] for item in status["info"]["voList"]]
    assert sorted(email_ids) == sorted([f"{message_id}0${RCPT}", f"{message_id}1$b@rcpt.example.test"])
    assert all(email_id.startswith(message_id) for email_id in email_ids)


def test_auth_plain_then_send(logged_in, api_user):
    client = logged_in()  # smtplib picks PLAIN from "AUTH LOGIN PLAIN"
    code, reply = submit(client, api_user)
    assert code == 250 and reply.endswith("#Queued")
    assert [e.recipient for e in Email.objects.all()] == [RCPT]


def test_auth_plain_with_a_challenge_and_lowercase_mechanism(connect, credentials, api_user):
    client = connect()
    assert client.docmd("AUTH", "plain") == (334, b"")
    blob = base64.b64encode(f"\0{credentials[0]}\0{credentials[1]}".encode())
    assert client.docmd(blob.decode()) == (235, b"2.7.0 Authentication successful")
    assert submit(client, api_user)[0] == 250


def test_auth_login_with_an_initial_response_and_an_aborted_auth(connect, credentials, api_user):
    client = connect()
    user, key = (base64.b64encode(text.encode()).decode() for text in credentials)
    assert client.docmd("AUTH", "LOGIN") == (334, base64.b64encode(b"Username:"))
    assert client.docmd("*") == (501, b"5.7.0 Auth aborted")
    assert client.docmd("AUTH", f"LOGIN {user}") == (334, base64.b64encode(b"Password:"))
    assert client.docmd(key) == (235, b"2.7.0 Authentication successful")
    assert client.docmd("AUTH", "PLAIN") == (503, b"Already authenticated")
    assert submit(client, api_user)[0] == 250


def test_implicit_tls_listener(ingress, client_context, credentials, api_user):
    client = smtplib.SMTP_SSL("127.0.0.1", ingress.port(implicit_tls=True), context=client_context, timeout=30)
    try:
        code, reply = client.ehlo("client.example.test")
        features = reply.decode().splitlines()
        assert "AUTH LOGIN PLAIN" in features and "STARTTLS" not in features
        client.login(*credentials)
        code, reply = submit(client, api_user)
        assert code == 250 and reply.endswith("#Queued")
    finally:
        client.close()
    assert SendRequest.objects.get().source == Source.SMTP


def test_label_chosen_with_api_user_hash_label_id(connect, api_user, account):
    from templates_app.models import Label

    label = Label.objects.create(account=account, name="ab-test")
    client = connect()
    client.login(f"{api_user.name}#{label.pk}", api_key_for(api_user.name))
    assert submit(client, api_user)[0] == 250
    assert SendRequest.objects.get().label == label


def test_someone_elses_label_is_refused_with_nothing_stored(connect, api_user, other_account):
    from templates_app.models import Label

    label = Label.objects.create(account=other_account, name="theirs")
    client = connect()
    client.login(f"{api_user.name}#{label.pk}", api_key_for(api_user.name))
    code, reply = submit(client, api_user)
    assert (code, reply) == (550, f"5.7.1 label not found. labelId: {label.pk} (statusCode 40106)")
    assert nothing_stored()


def test_wrong_key_is_refused_and_the_third_failure_closes_the_session(connect, api_user):
    client = connect()
    for _ in range(2):
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            plain_login(client, api_user.name, "wrong-key")
        assert (refused.value.smtp_code, refused.value.smtp_error) == (
            535, b"5.7.8 Authentication credentials invalid")
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        plain_login(client, api_user.name, "wrong-key")
    assert (refused.value.smtp_code, refused.value.smtp_error) == (
        421, b"4.7.0 Too many failed authentication attempts, closing connection")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    assert nothing_stored()


def test_repeated_failures_lock_out_the_api_user_even_with_the_right_key(connect, api_user):
    failures = 0
    while failures < api_credentials.FAILURE_LIMIT:
        client = connect()
        for _ in range(min(2, api_credentials.FAILURE_LIMIT - failures)):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                plain_login(client, api_user.name, "wrong-key")
            failures += 1
        client.close()
    client = connect()
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        plain_login(client, api_user.name, api_key_for(api_user.name))
    assert (refused.value.smtp_code, refused.value.smtp_error) == (
        454, b"4.7.0 Too many failed authentication attempts: try again in 15 minutes")
    cache.clear()  # the lock is lifted: the right key works again
    client = connect()
    assert plain_login(client, api_user.name, api_key_for(api_user.name))[0] == 235


def test_credentials_never_reach_the_log(connect, credentials, caplog):
    caplog.set_level("DEBUG")
    client = connect()
    client.login(*credentials)
    blob = base64.b64encode(f"\0{credentials[0]}\0{credentials[1]}".encode()).decode()
    assert credentials[1] not in caplog.text and blob not in caplog.text


# --- acceptance and refusals ---------------------------------------------------------------------------


def test_mail_from_on_another_domain_is_refused(logged_in, api_user):
    client = logged_in()
    assert client.mail("news@other.example.test") == (
        550, f"5.7.1 Sender <news@other.example.test> is not on the API_USER's domain {api_user.domain.name}".encode()
    )
    assert client.rcpt(RCPT)[0] == 503  # no sender taken
    assert nothing_stored()


def test_from_header_on_another_domain_is_refused_at_data(logged_in, api_user):
    client = logged_in()
    data = message_bytes(api_user).replace(sender_of(api_user).encode(), b"news@other.example.test")
    code, reply = submit(client, api_user, data=data)
    assert (code, reply) == (550, (
        f"5.7.1 from invalid. from news@other.example.test must be an address on the API_USER's domain "
        f"{api_user.domain.name} (statusCode 40802)"))
    assert nothing_stored()


def test_unverified_domain_cannot_send(logged_in, api_user):
    api_user.domain.status = "unverified"
    api_user.domain.save()
    client = logged_in()
    assert client.mail(sender_of(api_user)) == (
        550, f"5.7.1 The domain {api_user.domain.name} is not verified: it cannot send yet".encode())


def test_at_most_one_hundred_recipients_per_message(logged_in, api_user):
    client = logged_in()
    client.mail(sender_of(api_user))
    for n in range(100):
        assert client.rcpt(f"r{n}@rcpt.example.test")[0] == 250
    assert client.rcpt("r100@rcpt.example.test") == (452, b"4.5.3 Too many recipients: at most 100 per message")
    code, reply = client.data(message_bytes(api_user, to="r0@rcpt.example.test"))
    assert code == 250
    emails = list(Email.objects.order_by("position"))
    assert len(emails) == 100 and emails[-1].recipient == "r99@rcpt.example.test"
    assert [e.role for e in emails[:2]] == [RecipientRole.TO, RecipientRole.BCC]


def test_sendmail_reports_the_101st_recipient_as_refused(logged_in, api_user):
    client = logged_in()
    rcpts = [f"r{n}@rcpt.example.test" for n in range(101)]
    refused = client.sendmail(sender_of(api_user), rcpts, message_bytes(api_user))
    assert refused == {"r100@rcpt.example.test": (452, b"4.5.3 Too many recipients: at most 100 per message")}
    assert Email.objects.count() == 100


def test_quota_exceeded_is_a_temporary_refusal_with_nothing_stored(logged_in, api_user):
    api_user.daily_quota = 1
    api_user.save()
    client = logged_in()
    code, reply = submit(client, api_user, rcpts=[RCPT, "b@rcpt.example.test"])
    assert code == 451 and reply.startswith("4.7.1 Daily request quota exceeded, try again later")
    assert reply.endswith("(statusCode 40904)")
    assert nothing_stored()


def xsmtpapi_header(data) -> str:
    """base64 JSON, folded into 76-character lines as mail libraries do (lines stay under 1,000 bytes)."""
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    return "\r\n ".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def test_xsmtpapi_substitutions_make_one_email_per_recipient(logged_in, api_user):
    header = xsmtpapi_header({"to": [RCPT, "b@rcpt.example.test"], "sub": {"%name%": ["Ann", "Bob"]}})
    client = logged_in()
    data = message_bytes(api_user, subject="Hi %name%", body="Dear %name%", extra=f"X-SMTPAPI: {header}\r\n")
    code, reply = submit(client, api_user, rcpts=["envelope-only@rcpt.example.test"], data=data)
    assert code == 250
    emails = list(Email.objects.order_by("position"))
    assert [(e.recipient, e.role, e.variables) for e in emails] == [
        (RCPT, RecipientRole.INDIVIDUAL, {"%name%": "Ann"}),
        ("b@rcpt.example.test", RecipientRole.INDIVIDUAL, {"%name%": "Bob"}),
    ]
    assert "X-SMTPAPI" not in SendRequest.objects.get().headers


@pytest.mark.parametrize(
    "header, expected",
    [
        ("not-base64!", "5.6.0 xsmtpapi error: X-SMTPAPI is not base64-encoded JSON (statusCode 40813)"),
        (base64.b64encode(b"[1, 2").decode(),
         "5.6.0 xsmtpapi error: xsmtpapi is not valid JSON: Expecting ',' delimiter: line 1 column 6 (char 5) "
         "(statusCode 40813)"),
        (xsmtpapi_header({"to": ["x@rcpt.example.test"] * 101}),
         "5.6.0 xsmtpapi error: xsmtpapi.to has 101 addresses, at most 100 (statusCode 40827)"),
    ],
)
def test_bad_xsmtpapi_is_refused_naming_xsmtpapi(logged_in, api_user, header, expected):
    client = logged_in()
    code, reply = submit(client, api_user, data=message_bytes(api_user, extra=f"X-SMTPAPI: {header}\r\n"))
    assert (code, reply) == (554, expected)
    assert nothing_stored()


# --- no open relay (targets S2) ------------------------------------------------------------------------

RELAY_CASES = [
    # (authenticated, MAIL FROM, RCPT TO)
    (False, "someone@elsewhere.example", "user@rcpt.example.test"),
    (False, "someone@elsewhere.example", "user@gmail.com"),
    (False, "", "user@rcpt.example.test"),
    (False, "someone@elsewhere.example", "postmaster@sendcloud.localhost"),
    (False, "someone@elsewhere.example", "bounce+1f-abcdef012345@sendcloud.localhost"),
    (False, "someone@elsewhere.example", "user%rcpt.example.test@sendcloud.localhost"),
    (False, "someone@elsewhere.example", "rcpt.example.test!user@sendcloud.localhost"),
    (False, "someone@elsewhere.example", "<@sendcloud.localhost:user@rcpt.example.test>"),
    (False, "someone@elsewhere.example", '"user@rcpt.example.test"@sendcloud.localhost'),
    (False, "someone@elsewhere.example", "user@[127.0.0.1]"),
    (False, "someone@elsewhere.example", "user@localhost"),
    (False, "someone@elsewhere.example", "user@rcpt.example.test."),
    (False, "someone@elsewhere.example", "USER@RCPT.EXAMPLE.TEST"),
    (False, "someone@elsewhere.example", "user@sub.sendcloud.localhost"),
    (True, "news@other.example.test", "user@rcpt.example.test"),
    (True, "news@sub.{own}", "user@rcpt.example.test"),
    (True, "news@{own}.evil.example", "user@rcpt.example.test"),
    (True, "news%other.example.test@{own}", "user@rcpt.example.test"),
    (True, '"news@other.example.test"@{own}', "user@rcpt.example.test"),
    (True, "<@{own}:news@other.example.test>", "user@rcpt.example.test"),
    (True, "{own}!news@other.example.test", "user@rcpt.example.test"),
    (True, "news@{own}", "user%other.example.test@rcpt.example.test"),
    (True, "news@{own}", "<@rcpt.example.test:user@other.example.test>"),
    (True, "news@{own}", '"user@other.example.test"@rcpt.example.test'),
    (True, "news@{own}", "other.example.test!user@rcpt.example.test"),
    (True, "news@{own}", "user@[192.0.2.1]"),
]


def angled(address: str) -> str:
    return address if address.startswith("<") else f"<{address}>"


def test_open_relay_matrix_is_refused_everywhere(connect, credentials, api_user):
    own = api_user.domain.name
    accepted = []
    for authenticated, mail_from, rcpt in RELAY_CASES:
        mail_from, rcpt = mail_from.format(own=own), rcpt.format(own=own)
        client = connect()
        if authenticated:
            client.login(*credentials)
        code, reply = client.docmd("MAIL", f"FROM:{angled(mail_from)}")
        if code == 250:
            code, reply = client.docmd("RCPT", f"TO:{angled(rcpt)}")
            if code == 250:
                code, reply = client.docmd("DATA")
        if code < 400:
            accepted.append((authenticated, mail_from, rcpt, code, reply))
        assert code in {501, 503, 550, 553}, (mail_from, rcpt, code, reply)
        client.close()
    assert accepted == []
    assert len(RELAY_CASES) >= 20
    assert nothing_stored()


# --- robustness (targets S3, S10) ----------------------------------------------------------------------


@pytest.mark.parametrize("smuggle", [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n"])
def test_smtp_smuggling_yields_exactly_one_email(logged_in, api_user, smuggle):
    client = logged_in()
    client.mail(sender_of(api_user))
    client.rcpt(RCPT)
    assert client.docmd("DATA")[0] == 354
    head = message_bytes(api_user, subject="first", body="first body").rstrip(b"\r\n")
    smuggled = (
        f"MAIL FROM:<{sender_of(api_user)}>\r\nRCPT TO:<victim@rcpt.example.test>\r\nDATA\r\n"
        "Subject: smuggled\r\n\r\nsmuggled body"
    ).encode()
    client.send(head + smuggle + smuggled + b"\r\n.\r\n")
    code, reply = client.getreply()
    assert code == 250 and reply.decode().endswith("#Queued")
    assert client.noop() == (250, b"OK")  # nothing smuggled left in the command stream
    request = SendRequest.objects.get()
    assert request.subject == "first"
    assert "victim@rcpt.example.test" in request.plain
    assert [e.recipient for e in Email.objects.all()] == [RCPT]


def test_lines_over_one_thousand_bytes_are_refused(logged_in, api_user):
    client = logged_in()
    assert client.docmd("NOOP", "x" * 600) == (500, b"5.5.6 Command line too long")
    for line in (b"a" * 999, b"b" * 5000):
        client.mail(sender_of(api_user))
        client.rcpt(RCPT)
        code, reply = client.data(message_bytes(api_user) + line + b"\r\n")
        assert (code, reply) == (500, b"5.5.6 Line too long: at most 1000 bytes per line (RFC 5321 4.5.3.1.6)")
    assert nothing_stored()
    assert submit(client, api_user, data=message_bytes(api_user, body="c" * 998))[0] == 250


def test_oversized_messages_are_refused_with_552(start_ingress, client_context, credentials, api_user):
    small = start_ingress(max_message_size=2000)
    client = smtplib.SMTP("127.0.0.1", small.port(), timeout=30)
    try:
        client.starttls(context=client_context)
        client.ehlo("client.example.test")
        assert client.esmtp_features["size"] == "2000"
        client.login(*credentials)
        assert client.docmd("MAIL", f"FROM:<{sender_of(api_user)}> SIZE=5000") == (
            552, b"5.3.4 Message too big: at most 2000 bytes")
        client.mail(sender_of(api_user))
        client.rcpt(RCPT)
        assert client.data(message_bytes(api_user, body="x\r\n" * 1000)) == (
            552, b"5.3.4 Message too big: at most 2000 bytes")
        assert submit(client, api_user)[0] == 250  # the session goes on
    finally:
        client.close()
    assert SendRequest.objects.count() == 1


def test_a_stalled_client_is_disconnected(start_ingress):
    quick = start_ingress(timeout=0.5)
    with socket.create_connection(("127.0.0.1", quick.port()), timeout=30) as raw:
        assert raw.recv(1024).startswith(b"220 ")
        raw.sendall(b"EHLO stall.example.test\r\n")
        assert _read_reply(raw).endswith(b"250 HELP\r\n")
        raw.sendall(b"MAIL FROM:<x@")  # half a command, then nothing
        received = b""
        while chunk := raw.recv(1024):
            received += chunk
        assert received == b""  # the server closed the connection


def test_a_failure_inside_one_session_leaves_nothing_stored_and_others_unaffected(
    logged_in, api_user, monkeypatch
):
    from delivery import services

    real_record_many = services.record_many

    def failing_record_many(events):
        if events and events[0].request.subject == "boom":
            raise RuntimeError("disk on fire")  # after the request and its emails were written
        return real_record_many(events)

    monkeypatch.setattr(services, "record_many", failing_record_many)
    first, second = logged_in(), logged_in()
    code, reply = submit(first, api_user, data=message_bytes(api_user, subject="boom"))
    assert (code, reply) == (451, "4.3.0 Internal error: the message was not accepted, please try again later")
    assert nothing_stored()
    assert submit(second, api_user)[0] == 250
    assert submit(first, api_user, data=message_bytes(api_user, subject="after"))[0] == 250
    assert sorted(SendRequest.objects.values_list("subject", flat=True)) == ["Hello", "after"]


# --- delivery of what SMTP accepted -------------------------------------------------------------------


def test_mail_accepted_over_smtp_is_delivered_dkim_signed(logged_in, api_user, smtp_sink, signing_domain):
    import email
    from email.policy import default as default_policy

    import dkim

    from delivery import engine
    from sendcloud import resolver

    client = logged_in()
    data = (
        f"From: News <{sender_of(api_user)}>\r\n"
        f"To: Ann <{RCPT}>\r\n"
        "Cc: Bee <b@rcpt.example.test>\r\n"
        "Subject: =?utf-8?b?5L2g5aW9?=\r\n"
        "SC-Custom-Order: 42\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hello</p>\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b--\r\n"
    ).encode()
    code, reply = submit(client, api_user, rcpts=[RCPT, "b@rcpt.example.test", "c@rcpt.example.test"], data=data)
    assert code == 250
    request = SendRequest.objects.get(message_id=reply.split("#")[1])
    assert request.user_headers == {"SC-Custom-Order": "42"}
    emails = list(request.emails.order_by("position"))
    engine.deliver_batch([e.pk for e in emails])
    assert [Email.objects.get(pk=e.pk).status for e in emails] == [EmailStatus.DELIVERED] * 3
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == [RCPT, "b@rcpt.example.test", "c@rcpt.example.test"]
    received = smtp_sink.messages[0].data
    parsed = email.message_from_bytes(received, policy=default_policy)
    assert (parsed["To"], parsed["Cc"], parsed["Bcc"], parsed["Subject"]) == (
        f"Ann <{RCPT}>", "Bee <b@rcpt.example.test>", None, "你好")
    assert parsed["SC-Custom-Order"] == "42"
    assert parsed.get_body(("html",)).get_content().startswith("<p>hello</p>")
    assert [(a.get_filename(), a.get_content()) for a in parsed.iter_attachments()] == [("r.pdf", b"%PDF-1.4")]

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return "".join(resolver.txt(name)).encode()

    assert received.startswith(b"DKIM-Signature: ")
    assert dkim.verify(received, dnsfunc=dnsfunc) is True


# --- fuzzing the command parser (targets S10) ---------------------------------------------------------

COMMANDS = ["EHLO", "HELO", "MAIL FROM:", "RCPT TO:", "DATA", "AUTH", "AUTH PLAIN", "AUTH LOGIN", "RSET", "NOOP",
            "VRFY", "EXPN", "HELP", "QUIT", "STARTTLS", "BDAT", "XCLIENT", "mail from:<", "rcpt to:<@", ""]


def _read_reply(raw) -> bytes | None:
    """One complete (possibly multi-line) reply, or None when the server closed the connection."""
    data = b""
    while True:
        lines = data.split(b"\r\n")
        for line in lines[:-1]:
            if len(line) >= 4 and line[3:4] == b" ":
                return data
        try:
            chunk = raw.recv(4096)
        except (ConnectionResetError, ssl.SSLError):
            return None
        if not chunk:
            return None
        data += chunk


def test_fuzzed_command_lines_never_break_the_server(ingress, api_user):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    argument = st.one_of(
        st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FF, blacklist_characters="\r\n"), max_size=80),
        st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").decode("latin-1")),
        st.sampled_from([f"<{sender_of(api_user)}>", "<a@rcpt.example.test>", "<>", "<@x:y@z>", "SIZE=99999999999",
                         base64.b64encode(b"\0user\0key").decode(), "=", "*"]),
    )
    line = st.tuples(st.sampled_from(COMMANDS), argument).map(lambda t: f"{t[0]} {t[1]}".strip())

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(line, min_size=1, max_size=6))
    def check(lines):
        with socket.create_connection(("127.0.0.1", ingress.port()), timeout=10) as raw:
            assert _read_reply(raw).startswith(b"220 ")
            for text in lines:
                try:
                    raw.sendall(text.encode("utf-8", "surrogateescape") + b"\r\n")
                except OSError:
                    break
                answer = _read_reply(raw)
                if answer is None:
                    break  # QUIT, STARTTLS followed by plain text, too many bad commands: closed cleanly
                assert answer[:1] in b"2345" and answer[3:4] in b" -", answer
                assert b"Traceback" not in answer and b"Error: (" not in answer, answer
        # the server still serves a fresh session
        with socket.create_connection(("127.0.0.1", ingress.port()), timeout=10) as raw:
            assert _read_reply(raw).startswith(b"220 ")
            raw.sendall(b"NOOP\r\n")
            assert _read_reply(raw) == b"250 OK\r\n"

    check()
    assert nothing_stored()
