"""A recipient follows the unsubscribe link of a delivered email in Chromium and confirms."""

import email
import re
from email.policy import default as default_policy

import pytest

from delivery import engine
from delivery.models import EmailStatus, Event, EventType, Suppression

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"button": "Unsubscribe", "done": "You have been unsubscribed", "reason": "I receive too many emails"},
    "zh-hans": {"button": "取消订阅", "done": "您已成功取消订阅", "reason": "收到的邮件太多"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_unsubscribe_link_from_a_delivered_email(browser_page, live_server, settings, smtp_sink, send, account,
                                                 language):
    settings.PUBLIC_URL = live_server.url
    account.language = language
    account.save()
    texts = TEXTS[language]
    rows = send(html="<p>Our news</p>", plain="Our news")
    engine.deliver_batch([row.pk for row in rows])
    delivered = email.message_from_bytes(smtp_sink.messages[0].data, policy=default_policy)
    html = delivered.get_body(("html",)).get_content()
    link = re.search(r'<a href="([^"]+/t/u/[^"]+)"', html).group(1)
    assert link.startswith(live_server.url + "/t/u/")

    page = browser_page("en-US")
    page.goto(link)
    assert page.get_by_test_id("unsubscribe-form").is_visible()
    assert "a@rcpt.example.test" in page.content()
    assert Suppression.objects.count() == 0  # opening the page did not unsubscribe

    page.get_by_label(texts["reason"]).check()
    page.get_by_role("button", name=texts["button"]).click()
    page.get_by_test_id("unsubscribed").wait_for()
    assert page.get_by_test_id("unsubscribed").inner_text() == texts["done"]

    row = Suppression.objects.get()
    assert (row.address, row.kind, row.reason) == ("a@rcpt.example.test", "unsubscribe", "too_frequent")
    assert Event.objects.filter(event=EventType.UNSUBSCRIBE, email=rows[0]).count() == 1
    later = send(html="<p>More news</p>")[0]
    assert (later.status, later.sub_status) == (EmailStatus.INVALID, 402)
