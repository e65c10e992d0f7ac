"""The public tracking endpoints: open pixel, click redirect, unsubscribe page and RFC 8058 one-click."""

import re

import pytest

from delivery.models import EmailStatus, Event, EventType, Suppression
from domains.models import TrackingDomain
from tests.factories import ApiUserFactory
from tracking import tokens
from tracking.public_views import PIXEL_GIF

pytestmark = pytest.mark.django_db

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
HTML = '<p><a href="https://shop.example/a?x=1&amp;y=2#f">Shop</a> <a href="https://例子.测试/路径?q=值#片">CN</a></p>'


@pytest.fixture
def email_row(send, tracking_settings):
    return send(html=HTML, plain="Hi")[0]


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def links_in(prepared_message):
    return re.findall(r'(?:href|src)="([^"]+)"', prepared_message.get_body(("html",)).get_content())


def events(kind):
    return list(Event.objects.filter(event=kind).order_by("id"))


def test_open_returns_an_uncached_gif_and_records_the_parsed_client(client, email_row):
    url = f"/t/o/{tokens.email_token(tokens.OPEN, email_row.pk)}"
    response = client.get(url, HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert (response["Content-Type"], response.content) == ("image/gif", PIXEL_GIF)
    assert response["Cache-Control"] == "no-cache, no-store, must-revalidate, private, max-age=0"
    assert (response["Pragma"], response["Expires"]) == ("no-cache", "0")
    [event] = events(EventType.OPEN)
    assert (event.account_id, event.request_id, event.email_id) == (email_row.account_id, email_row.request_id,
                                                                    email_row.pk)
    assert event.detail == {
        "ip": "203.0.113.9", "userAgent": IPHONE, "browser": "Mobile Safari", "browserVersion": "17.1",
        "os": "iOS", "osVersion": "17.1", "device": "iPhone", "deviceType": "mobile",
        "prefetch": False, "prefetcher": "", "unique": True,
    }
    client.get(url, HTTP_USER_AGENT=CHROME, REMOTE_ADDR="198.51.100.7")
    second = events(EventType.OPEN)[1]
    assert (second.detail["unique"], second.detail["browser"], second.detail["os"], second.detail["deviceType"]) == (
        False, "Chrome", "Windows", "desktop")


@pytest.mark.parametrize(("user_agent", "ip", "prefetcher"), [
    (GMAIL_PROXY, "66.249.84.1", "gmail-image-proxy"),
    ("Mozilla/5.0", "203.0.113.5", "apple-mail-privacy"),
    (IPHONE, "17.58.0.1", "apple-mail-privacy"),
    ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "203.0.113.6", "yahoo-mail-proxy"),
])
def test_prefetched_opens_are_recorded_and_flagged(client, email_row, user_agent, ip, prefetcher):
    client.get(f"/t/o/{tokens.email_token(tokens.OPEN, email_row.pk)}", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    [event] = events(EventType.OPEN)
    assert (event.detail["prefetch"], event.detail["prefetcher"]) == (True, prefetcher)


def test_head_requests_do_not_count(client, email_row):
    assert client.head(f"/t/o/{tokens.email_token(tokens.OPEN, email_row.pk)}").status_code == 200
    assert client.head(f"/t/c/{tokens.click_token(email_row.pk, 0, 'https://shop.example/')}").status_code == 302
    assert Event.objects.filter(event__in=[EventType.OPEN, EventType.CLICK]).count() == 0


def test_click_redirects_to_the_original_url_and_records_it(client, prepared):
    row, message, _data = prepared(html=HTML, xsmtpapi='{"filters": {"open_tracking": {"settings": {"enable": "0"}}}}')
    shop, chinese, _unsubscribe = links_in(message)
    response = client.get(path_of(shop), HTTP_USER_AGENT=CHROME, REMOTE_ADDR="198.51.100.7")
    assert (response.status_code, response["Location"]) == (302, "https://shop.example/a?x=1&y=2#f")
    assert response["Cache-Control"].startswith("no-cache")
    response = client.get(path_of(chinese), HTTP_USER_AGENT=CHROME)
    assert response["Location"] == (
        "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E5%80%BC#%E7%89%87"
    )
    first, second = events(EventType.CLICK)
    assert first.email_id == row.pk
    assert {k: first.detail[k] for k in ("url", "linkIndex", "unique", "ip", "browser")} == {
        "url": "https://shop.example/a?x=1&y=2#f", "linkIndex": 0, "unique": True, "ip": "198.51.100.7",
        "browser": "Chrome"}
    assert (second.detail["url"], second.detail["linkIndex"], second.detail["unique"]) == (
        "https://例子.测试/路径?q=值#片", 1, False)


def test_tampered_or_unknown_tokens_are_404_never_a_redirect(client, email_row):
    good = tokens.click_token(email_row.pk, 0, "https://shop.example/")
    body, signature = good.split(".")
    evil_body = tokens.click_token(email_row.pk, 0, "https://evil.example/").split(".")[0]
    for path in [f"/t/c/{evil_body}.{signature}", f"/t/c/{body}.{'a' * 26}", f"/t/c/{body}", "/t/c/x",
                 f"/t/o/{tokens.email_token(tokens.UNSUBSCRIBE, email_row.pk)}",  # a token of another kind
                 f"/t/o/{tokens.email_token(tokens.OPEN, email_row.pk + 1000)}",  # genuine, but no such email
                 f"/t/u/{tokens.email_token(tokens.OPEN, email_row.pk)}",
                 f"/t/c/{body}%C3%A9.{signature}", f"/t/o/%E4%BE%8B.{signature}"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Location" not in response
    assert Event.objects.filter(event__in=[EventType.OPEN, EventType.CLICK, EventType.UNSUBSCRIBE]).count() == 0


def test_links_are_served_by_verified_custom_tracking_domains_of_the_same_account(client, email_row, other_account):
    url = f"/t/o/{tokens.email_token(tokens.OPEN, email_row.pk)}"
    TrackingDomain.objects.create(account=email_row.account, name="t.mine.example.test", verified=True)
    TrackingDomain.objects.create(account=email_row.account, name="t.pending.example.test", verified=False)
    TrackingDomain.objects.create(account=other_account, name="t.theirs.example.test", verified=True)
    assert client.get(url, HTTP_HOST="t.mine.example.test").status_code == 200
    assert client.get(url, HTTP_HOST="T.Mine.Example.Test:8443").status_code == 200
    assert client.get(url, HTTP_HOST="track.sendcloud.test").status_code == 200  # the CNAME target
    assert client.get(url, HTTP_HOST="t.pending.example.test").status_code == 404
    assert client.get(url, HTTP_HOST="t.theirs.example.test").status_code == 404
    assert client.get(url, HTTP_HOST="unknown.example.test").status_code == 404
    assert Event.objects.filter(event=EventType.OPEN).count() == 3


def test_get_shows_the_page_and_never_unsubscribes(client, email_row):
    token = tokens.email_token(tokens.UNSUBSCRIBE, email_row.pk)
    for path in [f"/t/u/{token}", f"/t/u/{token.upper()}"]:
        response = client.get(path)
        assert response.status_code == 200
        assert b'data-testid="unsubscribe-form"' in response.content
        assert b"a@rcpt.example.test" in response.content
    response = client.get(f"/t/u/{token}/one-click")
    assert (response.status_code, response["Location"]) == (302, f"/t/u/{token}")
    assert Suppression.objects.count() == 0
    assert Event.objects.filter(event=EventType.UNSUBSCRIBE).count() == 0


def test_page_post_unsubscribes_with_a_reason_and_a_later_send_is_invalid_402(client, email_row, send, api_user):
    token = tokens.email_token(tokens.UNSUBSCRIBE, email_row.pk)
    response = client.post(f"/t/u/{token}", {"reason": "too_frequent"}, HTTP_USER_AGENT=CHROME,
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert b'data-testid="unsubscribed"' in response.content
    row = Suppression.objects.get()
    assert (row.account_id, row.address, row.kind, row.api_user_id, row.label_id, row.reason, row.expires_at) == (
        api_user.account_id, "a@rcpt.example.test", "unsubscribe", api_user.pk, email_row.request.label_id,
        "too_frequent", None)
    [event] = events(EventType.UNSUBSCRIBE)
    assert (event.email_id, event.detail["source"], event.detail["reason"], event.detail["ip"],
            event.detail["browser"]) == (email_row.pk, "page", "too_frequent", "198.51.100.7", "Chrome")
    # again: nothing new, and the page says so
    client.post(f"/t/u/{token}", {"reason": "junk"})
    assert Suppression.objects.count() == 1 and Event.objects.filter(event=EventType.UNSUBSCRIBE).count() == 1
    assert b'data-testid="already-unsubscribed"' in client.get(f"/t/u/{token}").content

    later = send(html="<p>again</p>", to="a@rcpt.example.test;b@rcpt.example.test")
    assert [(e.status, e.sub_status) for e in later] == [(EmailStatus.INVALID, 402), (EmailStatus.REQUESTING, None)]


def test_one_click_post_unsubscribes_without_a_page(client, prepared):
    row, message, _data = prepared(html="<p>x</p>")
    one_click = re.match(r"<([^>]+)>", message["List-Unsubscribe"]).group(1)
    response = client.post(path_of(one_click), {"List-Unsubscribe": "One-Click"})
    assert (response.status_code, response.content) == (200, b"unsubscribed\n")
    assert Suppression.objects.get().address == row.recipient
    [event] = events(EventType.UNSUBSCRIBE)
    assert (event.email_id, event.detail["source"]) == (row.pk, "one-click")


def test_the_unsubscribe_page_speaks_the_accounts_language(client, email_row, account):
    account.language = "zh-hans"
    account.save()
    response = client.get(f"/t/u/{tokens.email_token(tokens.UNSUBSCRIBE, email_row.pk)}")
    assert "取消订阅".encode() in response.content


def test_another_accounts_custom_domain_cannot_unsubscribe(client, email_row, other_account):
    ApiUserFactory(account=other_account)
    TrackingDomain.objects.create(account=other_account, name="t.theirs.example.test", verified=True)
    token = tokens.email_token(tokens.UNSUBSCRIBE, email_row.pk)
    assert client.post(f"/t/u/{token}/one-click", HTTP_HOST="t.theirs.example.test").status_code == 404
    assert Suppression.objects.count() == 0
