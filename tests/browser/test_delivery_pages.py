"""Send with the sandbox on, then read the kept message in 沙箱收件箱 and its status in 邮件状态, in Chromium."""

import http.server
import re
import threading

import pytest

from delivery import engine
from delivery.models import Email
from domains import dkim
from sendcloud.celery import app as celery_app
from tests.browser.fixtures import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox_sending(settings, api_user):
    """The sandbox on, and the api_user's domain with a stored DKIM key (no DNS needed to check it)."""
    settings.DELIVERY_SANDBOX = True
    key = dkim.generate()
    domain = api_user.domain
    domain.dkim_selector, domain.dkim_public_key = key.selector, key.public_key
    domain.dkim_private_key_encrypted = key.private_key_encrypted
    domain.save()
    yield domain
    celery_app.control.purge()  # the send enqueued a job on the real broker; no worker runs it here


@pytest.fixture
def image_host():
    """A web server on loopback standing for a remote image host: it records the paths requested."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_sandbox_inbox_and_email_status(browser_page, account, api_client, api_user, sandbox_sending, image_host):
    image_url, image_hits = image_host
    body = api_client("mail/send", {
        "from": f"news@{sandbox_sending.name}", "to": "alice@rcpt.example.test", "subject": "Your order shipped",
        "html": f"<p>Order <b>42</b> is on its way.</p><img src='{image_url}/banner.png' alt=''>"
                "<script>document.body.innerHTML = '<p>ran</p>'</script>",
        "plain": "Order 42 is on its way.",
    })
    assert body["result"] is True, body
    email = Email.objects.get(email_id=body["info"]["emailIdList"][0])
    engine.deliver_batch([email.pk])

    page = browser_page("en-US")
    log_in(page, account)
    page.locator("nav.sidebar").get_by_role("link", name="Sandbox inbox").click()
    page.wait_for_url("**/console/sandbox/")
    row = page.get_by_test_id("sandbox-list").locator("tbody tr")
    assert row.count() == 1
    assert row.locator("td.recipient").inner_text() == "a***@rcpt.example.test"
    row.get_by_role("link", name="Your order shipped").click()

    page.wait_for_url(re.compile(r".*/console/sandbox/\d+/$"))
    assert page.get_by_test_id("subject").inner_text() == "Your order shipped"
    assert page.get_by_test_id("plain-part").inner_text().startswith("Order 42 is on its way.")
    assert page.get_by_test_id("dkim").inner_text() == "verifies against the domain's key"
    frame = page.get_by_test_id("html-part")
    assert frame.get_attribute("sandbox") == ""
    html = page.frame_locator("[data-testid=html-part]")
    assert html.locator("p").first.inner_text() == "Order 42 is on its way."  # the script did not run
    # No remote resource of the message (an image here; the open pixel in tracked mail) was fetched.
    page.wait_for_load_state("networkidle")
    assert image_hits == []

    page.locator("nav.sidebar").get_by_role("link", name="Email status").click()
    page.wait_for_url("**/console/delivery/status/")
    rows = page.get_by_test_id("status-list").locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_test_id("status").inner_text() == "Delivered"
    assert page.get_by_test_id("count-1").inner_text() == "1"

    page.locator("button[data-language=zh-hans]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "邮件状态"
    row = page.get_by_test_id("status-list").locator("tbody tr").first
    assert row.get_by_test_id("status").inner_text() == "送达"
    assert row.locator("td.recipient").inner_text() == "a***@rcpt.example.test"

    # Clicking anywhere on the row opens the email's events and attempts.
    row.locator("td.log").click()
    page.wait_for_url(f"**/console/delivery/status/{email.pk}/")
    events = page.get_by_test_id("events").locator("tbody tr code")
    assert events.all_inner_texts() == ["deliver", "request"]
    attempt = page.get_by_test_id("attempts").locator("tbody tr td")
    assert attempt.nth(1).inner_text() == "sandbox"
    assert attempt.nth(3).inner_text() == "250"
