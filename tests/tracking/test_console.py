"""Console pages: 打开点击, 取消订阅 and 退订设置 (two accounts: another account's rows are not found)."""

import pytest
from django.utils import timezone

from apiusers.models import ApiUser
from delivery.models import Event, EventType, Suppression
from tests.factories import ApiUserFactory
from tracking import tokens

pytestmark = pytest.mark.django_db

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")


@pytest.fixture
def console(client, account):
    client.force_login(account)
    return client


@pytest.fixture
def tracked(send, tracking_settings, client, other_account):
    first, second = send(html="<p>x</p>", to="alice@rcpt.example.test;bob@other.test")
    client.get(f"/t/o/{tokens.email_token(tokens.OPEN, first.pk)}", HTTP_USER_AGENT=CHROME, REMOTE_ADDR="203.0.113.1")
    client.get(f"/t/c/{tokens.click_token(first.pk, 0, 'https://shop.example/p?q=1')}", HTTP_USER_AGENT=CHROME,
               REMOTE_ADDR="203.0.113.1")
    client.get(f"/t/o/{tokens.email_token(tokens.OPEN, second.pk)}", HTTP_USER_AGENT="Mozilla/5.0",
               REMOTE_ADDR="203.0.113.2")
    theirs = send_for_other(other_account)
    return first, second, theirs


def send_for_other(other_account):
    """An open in another account: it must never show."""
    from delivery.models import Email, SendRequest

    api_user = ApiUserFactory(account=other_account)
    request = SendRequest.objects.create(account=other_account, api_user=api_user, message_id="other-1", email_type=0,
                                         from_address=f"x@{api_user.domain.name}")
    email = Email.objects.create(request=request, account=other_account, email_id="other-1-0", position=0, role="to",
                                 recipient="carol@rcpt.example.test", recipient_domain="rcpt.example.test")
    Event.objects.create(account=other_account, request=request, email=email, event=EventType.OPEN,
                         detail={"ip": "203.0.113.3"})
    return email


def rows_of(response, marker):
    return response.content.decode().count(marker)


def test_opens_page_lists_masked_rows_with_client_details(console, tracked, api_user):
    response = console.get("/console/delivery/opens/")
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(response, "<tr data-event=") == 3
    assert "a***@rcpt.example.test" in html and "alice@rcpt.example.test" not in html
    assert "carol" not in html and "c***@rcpt.example.test" not in html
    assert "https://shop.example/p?q=1" in html and "203.0.113.1" in html
    assert "Chrome 120.0.0 / Windows 10" in html
    assert "Prefetched" in html and "Apple Mail Privacy Protection" in html


def test_opens_page_filters(console, tracked, account, api_user):
    assert rows_of(console.get("/console/delivery/opens/", {"event": "10"}), "<tr data-event=") == 1
    assert rows_of(console.get("/console/delivery/opens/", {"email": "alice@rcpt.example.test"}), "<tr data-event=") == 2
    assert rows_of(console.get("/console/delivery/opens/", {"email": "other.test"}), "<tr data-event=") == 1
    assert rows_of(console.get("/console/delivery/opens/", {"api_user": api_user.name}), "<tr data-event=") == 3
    assert console.get("/console/delivery/opens/", {"api_user": "nobody"}).status_code == 400
    assert console.get("/console/delivery/opens/", {"start": "2026-01-10", "end": "2026-01-01"}).status_code == 400
    account.mask_recipients = False
    account.save()
    assert "alice@rcpt.example.test" in console.get("/console/delivery/opens/").content.decode()


def test_unsubscribe_page_lists_adds_and_deletes(console, account, other_account, api_user):
    Suppression.objects.create(account=account, address="gone@example.com", kind="unsubscribe", api_user=api_user,
                               reason="too_frequent")
    theirs = Suppression.objects.create(account=other_account, address="theirs@example.com", kind="unsubscribe")
    response = console.get("/console/delivery/unsubscribes/")
    html = response.content.decode()
    assert rows_of(response, "<tr data-unsubscribe=") == 1
    assert "g***@example.com" in html and "I receive too many emails" in html and "theirs" not in html

    response = console.post("/console/delivery/unsubscribes/add/", {"email": "New@Example.com"})
    assert response.status_code == 302
    row = Suppression.objects.get(account=account, address="New@example.com")
    assert (row.kind, row.api_user_id) == ("unsubscribe", None)
    assert console.post("/console/delivery/unsubscribes/add/", {"email": "nope"}).status_code == 400
    assert Suppression.objects.filter(account=account).count() == 2

    assert console.post(f"/console/delivery/unsubscribes/{theirs.pk}/delete/").status_code == 404
    assert console.post(f"/console/delivery/unsubscribes/{row.pk}/delete/").status_code == 302
    assert sorted(Suppression.objects.values_list("address", flat=True)) == ["gone@example.com", "theirs@example.com"]
    assert console.get(f"/console/delivery/unsubscribes/{row.pk}/delete/").status_code == 405


def test_unsubscribe_settings_choose_default_or_custom_page(console, api_user, other_account):
    theirs = ApiUserFactory(account=other_account)
    response = console.get("/console/unsubscribe-settings/")
    assert response.status_code == 200
    assert f'data-api-user="{api_user.name}"' in response.content.decode()
    assert theirs.name not in response.content.decode()

    prefix = f"u{api_user.pk}"
    url = f"/console/unsubscribe-settings/{api_user.pk}/"
    response = console.post(url, {f"{prefix}-unsubscribe_page": "custom",
                                  f"{prefix}-unsubscribe_page_url": "https://www.customer.example/bye"})
    assert response.status_code == 302
    assert ApiUser.objects.get(pk=api_user.pk).unsubscribe_page_url == "https://www.customer.example/bye"

    for bad in ["ftp://x.example/", ""]:
        response = console.post(url, {f"{prefix}-unsubscribe_page": "custom", f"{prefix}-unsubscribe_page_url": bad})
        assert response.status_code == 400
        assert 'data-testid="settings-errors"' in response.content.decode()
    assert ApiUser.objects.get(pk=api_user.pk).unsubscribe_page_url == "https://www.customer.example/bye"

    console.post(url, {f"{prefix}-unsubscribe_page": "default", f"{prefix}-unsubscribe_page_url": "https://x.example"})
    assert ApiUser.objects.get(pk=api_user.pk).unsubscribe_page_url == ""
    response = console.post(f"/console/unsubscribe-settings/{theirs.pk}/", {
        f"u{theirs.pk}-unsubscribe_page": "custom", f"u{theirs.pk}-unsubscribe_page_url": "https://evil.example/"})
    assert response.status_code == 404
    assert ApiUser.objects.get(pk=theirs.pk).unsubscribe_page_url == ""


def test_pages_need_a_login(client):
    for path in ["/console/delivery/opens/", "/console/delivery/unsubscribes/", "/console/unsubscribe-settings/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert timezone.now()
