"""Console pages 邮件状态 and 退信地址 through Django's test client."""

import itertools
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from delivery.models import (
    DeliveryAttempt,
    Email,
    EmailStatus,
    Event,
    EventType,
    SendRequest,
    Suppression,
    SuppressionKind,
)
from delivery.selectors import SUB_STATUS_TEXT
from delivery.views import SUB_STATUS_LABELS
from templates_app.models import Label
from tests.factories import ApiUserFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


@pytest.fixture
def console(client, account):
    client.force_login(account)
    return client


def make_email(api_user, recipient="alice@rcpt.example.test", *, status=EmailStatus.DELIVERED, sub_status=None,
               label=None, email_type=0, age=timedelta(0), last_log="", subject="Hello"):
    """One request with one email, created ``age`` ago."""
    number = next(_numbers)
    request = SendRequest.objects.create(
        account=api_user.account, api_user=api_user, message_id=f"msg{number}", email_type=email_type, label=label,
        from_address=f"news@{api_user.domain.name}", subject=subject,
    )
    email = Email.objects.create(
        request=request, account=api_user.account, email_id=f"msg{number}0${recipient}", position=0, role="to",
        recipient=recipient, recipient_domain=recipient.rpartition("@")[2], status=status, sub_status=sub_status,
        last_log=last_log,
    )
    if age:
        Email.objects.filter(pk=email.pk).update(created_at=timezone.now() - age)
        email.refresh_from_db()
    return email


def shown_ids(page: str) -> list[str]:
    """The emailIds of the rows shown, in order (rows carry the email's pk, never the unmasked emailId)."""
    pks = [int(pk) for pk in re.findall(r'data-email="(\d+)"', page)]
    by_pk = dict(Email.objects.filter(pk__in=pks).values_list("pk", "email_id"))
    return [by_pk[pk] for pk in pks]


def counts(page: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-testid="count-(\w+)">(\d+)<', page)}


def row_of(page: str, email: Email) -> str:
    return re.search(rf'<tr [^>]*data-email="{email.pk}">.*?</tr>', page, re.S).group(0)


# --- 邮件状态 ------------------------------------------------------------------------------------------


def test_pages_need_login(client, db):
    for url in ["/console/delivery/status/", "/console/delivery/status/1/", "/console/delivery/bounces/",
                "/console/sandbox/", "/console/sandbox/1/", "/console/settings/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_status_defaults_to_the_last_seven_days_with_counts(console, api_user, other_account):
    today = make_email(api_user, "a@one.test")
    six_days = make_email(api_user, "b@one.test", status=EmailStatus.INVALID, sub_status=406, age=timedelta(days=6))
    make_email(api_user, "c@one.test", age=timedelta(days=8))
    make_email(ApiUserFactory(account=other_account), "d@one.test")
    response = console.get("/console/delivery/status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert shown_ids(page) == [today.email_id, six_days.email_id]
    assert counts(page) == {"all": 2, "18": 0, "1": 1, "5": 0, "4": 1}
    start, end = timezone.localdate() - timedelta(days=6), timezone.localdate()
    assert f'name="start" value="{start.isoformat()}"' in page
    assert f'name="end" value="{end.isoformat()}"' in page


def test_each_filter_narrows_the_rows_and_counts_ignore_only_the_status(console, account, api_user):
    batch_user = ApiUserFactory(account=account, domain=api_user.domain, email_type=1)
    promo = Label.objects.create(account=account, name="promo")
    first = make_email(api_user, "alice@one.test", status=EmailStatus.REQUESTING)
    second = make_email(api_user, "bob@two.test", status=EmailStatus.SOFT_BOUNCE, sub_status=503, label=promo)
    third = make_email(batch_user, "carol@two.test", email_type=1, label=promo)
    fourth = make_email(batch_user, "dave@two.test", status=EmailStatus.INVALID, sub_status=401, email_type=1)

    def get(**filters):
        page = console.get("/console/delivery/status/", filters).content.decode()
        return shown_ids(page), counts(page)

    assert get(email="ALICE@one.test") == ([first.email_id], {"all": 1, "18": 1, "1": 0, "5": 0, "4": 0})
    assert get(email="two.test")[0] == [fourth.email_id, third.email_id, second.email_id]
    assert get(email="@two.test")[0] == [fourth.email_id, third.email_id, second.email_id]
    assert get(email_type="1") == ([fourth.email_id, third.email_id], {"all": 2, "18": 0, "1": 1, "5": 0, "4": 1})
    assert get(email_type="0")[0] == [second.email_id, first.email_id]
    assert get(api_user=api_user.name)[0] == [second.email_id, first.email_id]
    assert get(label=str(promo.pk)) == ([third.email_id, second.email_id], {"all": 2, "18": 0, "1": 1, "5": 1, "4": 0})
    assert get(status="5") == ([second.email_id], {"all": 4, "18": 1, "1": 1, "5": 1, "4": 1})
    assert get(status="4", email_type="1") == ([fourth.email_id], {"all": 2, "18": 0, "1": 1, "5": 0, "4": 1})
    assert get(email="two.test", label=str(promo.pk), status="1")[0] == [third.email_id]


def test_date_range_filter_and_its_limits(console, api_user):
    old = make_email(api_user, "a@one.test", age=timedelta(days=20))
    make_email(api_user, "b@one.test")
    day = timezone.localdate() - timedelta(days=20)
    page = console.get("/console/delivery/status/", {"start": day.isoformat(), "end": day.isoformat()}).content.decode()
    assert shown_ids(page) == [old.email_id]

    too_long = console.get("/console/delivery/status/", {"start": (day - timedelta(days=30)).isoformat(),
                                                         "end": day.isoformat()})
    assert too_long.status_code == 400
    assert "Choose a range of at most 30 days." in too_long.content.decode()
    assert shown_ids(too_long.content.decode()) == []
    thirty = console.get("/console/delivery/status/", {"start": (day - timedelta(days=29)).isoformat(),
                                                       "end": day.isoformat()})
    assert thirty.status_code == 200
    reversed_range = console.get("/console/delivery/status/", {"start": day.isoformat(),
                                                               "end": (day - timedelta(days=1)).isoformat()})
    assert reversed_range.status_code == 400
    assert "The end date is before the start date." in reversed_range.content.decode()


def test_filter_choices_are_the_accounts_own(console, account, api_user, other_account):
    Label.objects.create(account=account, name="mine")
    theirs = ApiUserFactory(account=other_account)
    Label.objects.create(account=other_account, name="their-label")
    page = console.get("/console/delivery/status/").content.decode()
    assert f'<option value="{api_user.name}">{api_user.name}</option>' in page
    assert theirs.name not in page
    assert ">mine</option>" in page
    assert "their-label" not in page
    # Choosing another account's label is refused, not silently applied.
    other_label = Label.objects.get(name="their-label")
    assert console.get("/console/delivery/status/", {"label": str(other_label.pk)}).status_code == 400


def test_a_row_shows_status_recipient_times_api_user_label_and_log(console, account, api_user):
    promo = Label.objects.create(account=account, name="promo")
    email = make_email(api_user, "alice@rcpt.example.test", status=EmailStatus.INVALID, sub_status=406, label=promo,
                       last_log="permanent (mx1.rcpt.example.test): 550 5.1.1 <Alice@rcpt.example.test> unknown")
    row = row_of(console.get("/console/delivery/status/").content.decode(), email)
    assert '<span class="st-4" data-testid="status">Invalid</span>' in row
    assert '<span class="sub-status" data-testid="sub-status">406 Address does not exist</span>' in row
    assert ">a***@rcpt.example.test</a>" in row
    assert "alice@" not in row
    assert f'<td class="api-user">{api_user.name}</td>' in row
    assert '<td class="label">promo</td>' in row
    # The address is masked in the log line too.
    assert '<td class="log">permanent (mx1.rcpt.example.test): 550 5.1.1 &lt;a***@rcpt.example.test&gt; unknown</td>' \
        in row
    stamp = timezone.localtime(email.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"<td>{stamp}</td>" in row
    assert f'data-href="/console/delivery/status/{email.pk}/"' in row


def test_masking_off_shows_full_addresses(console, account, api_user):
    account.mask_recipients = False
    account.save()
    email = make_email(api_user, "alice@rcpt.example.test", last_log="550 <alice@rcpt.example.test> unknown")
    row = row_of(console.get("/console/delivery/status/").content.decode(), email)
    assert ">alice@rcpt.example.test</a>" in row
    assert '<td class="log">550 &lt;alice@rcpt.example.test&gt; unknown</td>' in row
    detail = console.get(f"/console/delivery/status/{email.pk}/").content.decode()
    assert '<dd data-testid="recipient">alice@rcpt.example.test</dd>' in detail


def test_status_page_in_chinese(console, api_user):
    email = make_email(api_user, status=EmailStatus.SOFT_BOUNCE, sub_status=503)
    page = console.get("/console/delivery/status/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<h1>邮件状态</h1>" in page
    assert re.findall(r'data-status="[^"]*"[^>]*>([^<]*)<span', page) == ["全部", "请求中", "送达", "软退信", "无效邮件"]
    row = row_of(page, email)
    assert '<span class="st-5" data-testid="status">软退信</span>' in row
    assert '<span class="sub-status" data-testid="sub-status">503 服务不可用</span>' in row
    assert "收件人地址或域名" in page


def test_sub_status_wording_matches_sendclouds_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert {code: str(text) for code, text in SUB_STATUS_LABELS.items()} == SUB_STATUS_TEXT


def test_paging_fifty_a_page_keeps_the_filters(console, api_user):
    emails = [make_email(api_user, f"u{n}@one.test", age=timedelta(minutes=n)) for n in range(51)]
    make_email(api_user, "x@other.test")
    first = console.get("/console/delivery/status/", {"email": "one.test"}).content.decode()
    assert shown_ids(first) == [e.email_id for e in emails[:50]]
    assert "Page 1 of 2" in first
    link = re.search(r'<a href="([^"]*)" data-testid="next">', first).group(1).replace("&amp;", "&")
    assert "email=one.test" in link and "page=2" in link
    second = console.get("/console/delivery/status/" + link).content.decode()
    assert shown_ids(second) == [emails[50].email_id]
    assert counts(second)["all"] == 51


def test_detail_shows_events_newest_first_and_attempts(console, api_user):
    email = make_email(api_user, "alice@rcpt.example.test", status=EmailStatus.DELIVERED)
    base = timezone.now() - timedelta(minutes=5)
    request_event = Event.objects.create(account=email.account, request=email.request, event=EventType.REQUEST,
                                         detail={"recipients": ["alice@rcpt.example.test", "bob@rcpt.example.test"]})
    Event.objects.filter(pk=request_event.pk).update(created_at=base)
    # Another recipient of the same request: its events are not this email's.
    sibling = Email.objects.create(request=email.request, account=email.account, email_id="sibling", position=1,
                                   role="to", recipient="bob@rcpt.example.test", recipient_domain="rcpt.example.test")
    Event.objects.create(account=email.account, request=email.request, email=sibling, event=EventType.INVALID)
    for offset, code, sub, detail in [(1, EventType.SOFT_BOUNCE, 503, {"reply": "451 alice@rcpt.example.test later", "smtpCode": 451}),
                                      (2, EventType.DELIVER, None, {"reply": "250 ok", "mxHost": "mx1.rcpt.example.test"})]:
        event = Event.objects.create(account=email.account, request=email.request, email=email, event=code,
                                     sub_status=sub, detail=detail)
        Event.objects.filter(pk=event.pk).update(created_at=base + timedelta(minutes=offset))
    DeliveryAttempt.objects.create(email=email, started_at=base + timedelta(minutes=1), duration_ms=120,
                                   mx_host="mx1.rcpt.example.test", ip="127.0.0.1", smtp_code=451,
                                   enhanced_status="4.3.0", reply="451 alice@rcpt.example.test later", outcome="temporary", tls=False)
    DeliveryAttempt.objects.create(email=email, started_at=base + timedelta(minutes=2), duration_ms=95,
                                   mx_host="mx1.rcpt.example.test", ip="127.0.0.1", smtp_code=250,
                                   enhanced_status="2.0.0", reply="250 ok", outcome="delivered", tls=True)
    page = console.get(f"/console/delivery/status/{email.pk}/").content.decode()
    assert re.findall(r'<tr data-event="(\d+)">', page) == ["1", "5", "18"]
    assert re.findall(r"<td><code>(\w+)</code> \((\d+)\)</td>", page) == [
        ("deliver", "1"), ("soft_bounce", "5"), ("request", "18")]
    assert "<td>503 Service unavailable</td>" in page
    assert "<div>mxHost: mx1.rcpt.example.test</div><div>reply: 250 ok</div>" in page
    attempts = re.findall(r'<tr data-outcome="(\w+)">(.*?)</tr>', page, re.S)
    assert [outcome for outcome, _ in attempts] == ["delivered", "temporary"]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", attempts[0][1], re.S)]
    started = timezone.localtime(base + timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
    assert cells == [started, "mx1.rcpt.example.test", "127.0.0.1", "250", "2.0.0", "250 ok", "95 ms", "Yes"]
    assert "<div>reply: 451 a***@rcpt.example.test later</div><div>smtpCode: 451</div>" in page
    assert '<td class="log">451 a***@rcpt.example.test later</td>' in page
    assert "bob@" not in page  # the request event's detail (every recipient) is not shown
    assert '<dd data-testid="recipient">a***@rcpt.example.test</dd>' in page
    assert f'<code data-testid="email-id">{email.request.message_id}0$a***@rcpt.example.test</code>' in page
    assert "alice@" not in page


def test_another_accounts_email_is_not_found(console, other_account):
    theirs = make_email(ApiUserFactory(account=other_account))
    assert console.get(f"/console/delivery/status/{theirs.pk}/").status_code == 404
    assert console.get("/console/delivery/status/999999/").status_code == 404


# --- 退信地址 ------------------------------------------------------------------------------------------


def bounce(account, address, *, kind=SuppressionKind.BOUNCE, expires_in=timedelta(hours=2), reason="550 no such user"):
    return Suppression.objects.create(account=account, address=address, kind=kind, reason=reason,
                                      expires_at=timezone.now() + expires_in if expires_in is not None else None)


def bounce_rows(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-bounce="(\d+)">', page)]


def test_bounce_list_shows_the_accounts_entries_in_force(console, account, other_account):
    old = bounce(account, "old@one.test")
    new = bounce(account, "new@two.test", reason="550 5.1.1 <new@two.test> unknown", expires_in=None)
    Suppression.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    bounce(account, "gone@one.test", expires_in=timedelta(hours=-1))
    bounce(account, "unsub@one.test", kind=SuppressionKind.UNSUBSCRIBE)
    bounce(other_account, "theirs@one.test")
    page = console.get("/console/delivery/bounces/").content.decode()
    assert bounce_rows(page) == [new.pk, old.pk]
    row = re.search(rf'<tr data-bounce="{new.pk}">.*?</tr>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    new.refresh_from_db()
    assert cells == ["n***@two.test", "two.test", "550 5.1.1 &lt;n***@two.test&gt; unknown",
                     timezone.localtime(new.updated_at).strftime("%Y-%m-%d %H:%M:%S"), "Never", "Delete"]
    old_row = re.search(rf'<tr data-bounce="{old.pk}">.*?</tr>', page, re.S).group(0)
    assert timezone.localtime(old.expires_at).strftime("%Y-%m-%d %H:%M:%S") in old_row
    assert "new@two.test" not in page


def test_bounce_search_and_masking_off(console, account):
    first = bounce(account, "alice@one.test")
    bounce(account, "bob@two.test")
    account.mask_recipients = False
    account.save()
    page = console.get("/console/delivery/bounces/", {"q": "ALICE"}).content.decode()
    assert bounce_rows(page) == [first.pk]
    assert '<td class="address">alice@one.test</td>' in page
    empty = console.get("/console/delivery/bounces/", {"q": "nobody"}).content.decode()
    assert bounce_rows(empty) == []
    assert "No bounced address matches your search." in empty


def test_deleting_a_bounce_removes_only_that_row(console, account, other_account):
    first = bounce(account, "alice@one.test")
    second = bounce(account, "bob@one.test")
    unsubscribed = bounce(account, "alice@one.test", kind=SuppressionKind.UNSUBSCRIBE)
    theirs = bounce(other_account, "alice@one.test")
    response = console.post(f"/console/delivery/bounces/{first.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/console/delivery/bounces/", 302)]
    assert "a***@one.test was removed from the bounce list." in response.content.decode()
    assert set(Suppression.objects.values_list("pk", flat=True)) == {second.pk, unsubscribed.pk, theirs.pk}


def test_bounce_delete_refusals_write_nothing(console, account, other_account):
    mine = bounce(account, "alice@one.test")
    theirs = bounce(other_account, "alice@one.test")
    unsubscribed = bounce(account, "bob@one.test", kind=SuppressionKind.UNSUBSCRIBE)
    assert console.post(f"/console/delivery/bounces/{theirs.pk}/delete/").status_code == 404
    assert console.post(f"/console/delivery/bounces/{unsubscribed.pk}/delete/").status_code == 404
    assert console.get(f"/console/delivery/bounces/{mine.pk}/delete/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(account)
    assert strict.post(f"/console/delivery/bounces/{mine.pk}/delete/").status_code == 403
    assert Suppression.objects.count() == 3
