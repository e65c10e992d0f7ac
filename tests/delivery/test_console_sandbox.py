"""Console page 沙箱收件箱: messages kept by the sandbox, rendered, with their DKIM result."""

import html
import re

import pytest

from delivery import engine
from delivery.models import Email, SandboxMessage
from delivery.views import PREVIEW_POLICY
from domains import dkim as domain_dkim
from tests.delivery.helpers import sender_of
from tests.factories import ApiUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, account):
    client.force_login(account)
    return client


@pytest.fixture
def keyed_domain(api_user):
    """The api_user's domain with a DKIM key stored (no DNS: the sandbox checks against the stored key)."""
    key = domain_dkim.generate()
    domain = api_user.domain
    domain.dkim_selector, domain.dkim_public_key = key.selector, key.public_key
    domain.dkim_private_key_encrypted = key.private_key_encrypted
    domain.save()
    return domain


@pytest.fixture
def kept(api_client, api_user, settings):
    """Send through mail/send with the sandbox on and deliver: returns the SandboxMessage rows in order."""
    settings.DELIVERY_SANDBOX = True

    def call(**data):
        payload = {"from": sender_of(api_user), "to": "alice@rcpt.example.test", "subject": "Hello %name%",
                   "html": "<p>Hi <b>there</b></p><script>document.title='ran'</script>", "plain": "Hi there",
                   **data}
        body = api_client("mail/send", payload)
        assert body["result"] is True, body
        emails = list(Email.objects.filter(email_id__in=body["info"]["emailIdList"]).order_by("position"))
        engine.deliver_batch([e.pk for e in emails])
        return [SandboxMessage.objects.get(email=e) for e in emails]

    return call


def test_list_shows_the_accounts_messages_newest_first_masked(console, kept, keyed_domain, other_account):
    first = kept(subject="First")[0]
    second = kept(subject="Second", to="bob@rcpt.example.test")[0]
    other_user = ApiUserFactory(account=other_account)
    SandboxMessage.objects.create(email=_email_of(other_user), account=other_account, envelope_from="x@y.test",
                                  recipient="carol@rcpt.example.test", data=b"Subject: theirs\r\n\r\nbody\r\n")
    page = console.get("/console/sandbox/").content.decode()
    rows = re.findall(r'<tr class="row-link" data-href="/console/sandbox/(\d+)/" data-message="\d+">(.*?)</tr>', page,
                      re.S)
    assert [int(pk) for pk, _ in rows] == [second.pk, first.pk]
    assert '<td class="recipient">b***@rcpt.example.test</td>' in rows[0][1]
    assert f'<a href="/console/sandbox/{second.pk}/">Second</a>' in rows[0][1]
    assert "theirs" not in page and "bob@" not in page


def _email_of(api_user):
    from delivery.models import SendRequest

    request = SendRequest.objects.create(account=api_user.account, api_user=api_user, message_id="other-msg",
                                         email_type=0, from_address="x@y.test")
    return Email.objects.create(request=request, account=api_user.account, email_id="other-msg0$x", position=0,
                                role="to", recipient="carol@rcpt.example.test", recipient_domain="rcpt.example.test")


def test_detail_renders_parts_headers_and_a_verified_signature(console, kept, keyed_domain, account):
    message = kept(xsmtpapi='{"to": ["alice@rcpt.example.test"], "sub": {"%name%": ["Ann"]}}')[0]
    page = console.get(f"/console/sandbox/{message.pk}/").content.decode()
    assert '<h1 data-testid="subject">Hello Ann</h1>' in page
    frame = re.search(r'<iframe sandbox="" srcdoc="([^"]*)" title="HTML part" data-testid="html-part"></iframe>', page)
    assert html.unescape(frame.group(1)).startswith(
        PREVIEW_POLICY + "<p>Hi <b>there</b></p><script>document.title='ran'</script>\n<p style=")
    # The unsubscribe footer added by the tracking step is part of what the recipient gets.
    assert re.search(r'<pre data-testid="plain-part">Hi there\n\nUnsubscribe: http://\S+/t/u/\S+\n</pre>', page)
    assert (f'<span class="dkim-verifies" data-testid="dkim" data-result="verifies">verifies against the domain&#x27;s '
            f"key</span> (d={keyed_domain.name})") in page
    headers = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td></tr>", page))
    assert headers["Subject"] == "Hello Ann"
    assert headers["To"] == "a***@rcpt.example.test"
    assert headers["From"] == sender_of(message.email.request.api_user)
    assert headers["DKIM-Signature"].startswith("v=1; a=rsa-sha256;")
    assert "alice@rcpt.example.test" not in page

    account.mask_recipients = False
    account.save()
    unmasked = console.get(f"/console/sandbox/{message.pk}/").content.decode()
    assert "<tr><td>To</td><td>alice@rcpt.example.test</td></tr>" in unmasked
    assert '<dd data-testid="recipient">alice@rcpt.example.test</dd>' in unmasked


def test_detail_in_chinese(console, kept, keyed_domain):
    message = kept()[0]
    page = console.get(f"/console/sandbox/{message.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-result="verifies">签名与该域名的密钥相符</span>' in page
    assert "<h2>纯文本内容</h2>" in page


def test_a_changed_message_or_a_replaced_key_does_not_verify(console, kept, keyed_domain):
    message = kept()[0]
    SandboxMessage.objects.filter(pk=message.pk).update(data=bytes(message.data).replace(b"Hi there", b"Hi th3re"))
    page = console.get(f"/console/sandbox/{message.pk}/").content.decode()
    assert 'data-result="fails">does not verify</span>' in page

    fresh = kept()[0]
    replacement = domain_dkim.generate()
    keyed_domain.dkim_public_key = replacement.public_key
    keyed_domain.save()
    page = console.get(f"/console/sandbox/{fresh.pk}/").content.decode()
    assert 'data-result="fails">does not verify</span>' in page


def test_an_unsigned_message_says_so(console, kept, api_user):
    # The api_user's domain has no DKIM key, so the pipeline sends the message unsigned.
    message = kept()[0]
    assert b"DKIM-Signature" not in bytes(message.data)
    page = console.get(f"/console/sandbox/{message.pk}/").content.decode()
    assert '<span class="dkim-unsigned" data-testid="dkim" data-result="unsigned">not signed</span>' in page


def test_a_signature_naming_another_accounts_domain_does_not_verify(console, other_account, keyed_domain, kept):
    """Only the account's own domains' keys are trusted: once the domain is another account's, it fails."""
    message = kept()[0]
    keyed_domain.account = other_account
    keyed_domain.save(update_fields=["account"])
    page = console.get(f"/console/sandbox/{message.pk}/").content.decode()
    assert 'data-result="fails">does not verify</span>' in page


def test_another_accounts_message_is_not_found(client, other_account, kept, keyed_domain):
    message = kept()[0]
    client.force_login(other_account)
    assert client.get(f"/console/sandbox/{message.pk}/").status_code == 404
    assert b"Hello" not in client.get("/console/sandbox/").content
