"""Console pages under /console/apiusers/: list, create (key shown once), regenerate, switches, settings."""

import re

import pytest
from django.db import connection

from apiusers.credentials import hash_api_key, key_matches
from apiusers.models import ApiUser
from tests.factories import ApiUserFactory, DomainFactory, api_key_for

pytestmark = pytest.mark.django_db

KEY_IN_DIALOG = re.compile(r'<code id="new-api-key" data-testid="api-key">([^<]+)</code>')


@pytest.fixture
def logged_in(client, account):
    client.force_login(account)
    return client


@pytest.fixture
def domain(account):
    return DomainFactory(account=account, name="mail.example.com", status="verified")


def form_data(**changes):
    data = {
        "name": "console_user",
        "email_type": "0",
        "domain_name": "mail.example.com",
        "open_tracking": "on",
        "click_tracking": "on",
        "unsubscribe_tracking": "on",
        "unsubscribe_page": "default",
        "unsubscribe_page_url": "",
        "sender_address": "",
        "sender_name": "",
        "tracking_domain": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def all_database_text() -> str:
    """Every value of every table, as text, to prove a key is nowhere in clear."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_pages_need_login(client, api_user):
    for path in ("/console/apiusers/", "/console/apiusers/new/", f"/console/apiusers/{api_user.pk}/edit/"):
        assert client.get(path).status_code == 302


def test_create_shows_the_key_once_and_never_again(logged_in, domain, account):
    form = logged_in.get("/console/apiusers/new/")
    assert form.status_code == 200
    assert "mail.example.com (Verified)" in form.content.decode()

    response = logged_in.post("/console/apiusers/new/", form_data(email_type="1"))
    assert response.status_code == 200
    page = response.content.decode()
    key = KEY_IN_DIALOG.search(page).group(1)
    assert "Generated successfully" in page
    assert "shown only this once" in page and "take a screenshot or copy it now" in page
    assert "no-store" in response["Cache-Control"]
    api_user = ApiUser.objects.get(name="console_user")
    assert (api_user.account, api_user.email_type, api_user.domain) == (account, 1, domain)
    assert api_user.key_hash == hash_api_key(key)
    assert key_matches(api_user, key)
    # Not in any later page, nor anywhere in the database (sessions included).
    for path in ("/console/apiusers/", f"/console/apiusers/{api_user.pk}/edit/", f"/console/apiusers/{api_user.pk}/regenerate/"):
        later = logged_in.get(path)
        assert later.status_code == 200
        assert key not in later.content.decode()
    assert key not in all_database_text()


def test_create_with_every_option(logged_in, domain):
    response = logged_in.post(
        "/console/apiusers/new/",
        form_data(
            open_tracking=None,
            click_tracking=None,
            unsubscribe_page="custom",
            unsubscribe_page_url="https://www.example.com/unsub",
            sender_address="news@mail.example.com",
            sender_name="Example News",
        ),
    )
    assert KEY_IN_DIALOG.search(response.content.decode())
    api_user = ApiUser.objects.get(name="console_user")
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (False, False, True)
    assert api_user.unsubscribe_page_url == "https://www.example.com/unsub"
    assert (api_user.sender_address, api_user.sender_name) == ("news@mail.example.com", "Example News")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "short"}, "The name must be 6 to 64 characters long"),
        ({"name": "x" * 65}, "The name must be 6 to 64 characters long"),
        ({"name": "bad name"}, "The name must be 6 to 64 characters long"),
        ({"domain_name": "pending.example.com"}, "The domain pending.example.com is unverified"),
        ({"sender_address": "news@other.com"}, "The sender address must be on the API_USER&#x27;s domain mail.example.com."),
        ({"unsubscribe_page": "custom"}, "Enter the URL of your unsubscribe page."),
        ({"unsubscribe_page": "custom", "unsubscribe_page_url": "ftp://x.example.com/"}, "must be an http:// or https:// URL"),
    ],
)
def test_create_refusals_show_the_reason_and_write_nothing(logged_in, domain, account, changes, message):
    DomainFactory(account=account, name="pending.example.com", status="unverified")
    response = logged_in.post("/console/apiusers/new/", form_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'data-testid="key-dialog"' not in page
    assert ApiUser.objects.count() == 0


def test_another_accounts_domain_is_not_offered_nor_accepted(logged_in, domain, other_account):
    DomainFactory(account=other_account, name="theirs.example.com")
    assert "theirs.example.com" not in logged_in.get("/console/apiusers/new/").content.decode()
    response = logged_in.post("/console/apiusers/new/", form_data(domain_name="theirs.example.com"))
    assert "Select a valid choice" in response.content.decode()
    assert ApiUser.objects.count() == 0


def test_the_eleventh_is_refused_in_the_console(logged_in, domain, account):
    for number in range(10):
        ApiUserFactory(account=account, domain=domain, name=f"existing_{number}")
    response = logged_in.post("/console/apiusers/new/", form_data())
    assert "An account can have at most 10 API_USERs." in response.content.decode()
    assert ApiUser.objects.count() == 10


def test_list_shows_own_api_users_and_switches(logged_in, api_user, other_account):
    theirs = ApiUserFactory(account=other_account, name="someone_elses")
    page = logged_in.get("/console/apiusers/").content.decode()
    assert api_user.name in page
    assert theirs.name not in page
    assert "Open tracking" in page and "Click tracking" in page and "Unsubscribe tracking" in page


def test_tracking_switches_are_saved(logged_in, api_user):
    response = logged_in.post(f"/console/apiusers/{api_user.pk}/tracking/", {"click_tracking": "on"})
    assert response.status_code == 302
    api_user.refresh_from_db()
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (False, True, False)
    assert logged_in.get(f"/console/apiusers/{api_user.pk}/tracking/").status_code == 405


def test_settings_page_saves_sender_and_unsubscribe_page(logged_in, api_user):
    domain_name = api_user.domain.name
    response = logged_in.post(
        f"/console/apiusers/{api_user.pk}/edit/",
        {
            "open_tracking": "on",
            "unsubscribe_page": "custom",
            "unsubscribe_page_url": "https://example.com/u",
            "sender_address": f"hello@{domain_name}",
            "sender_name": "Hello",
        },
    )
    assert response.status_code == 302
    api_user.refresh_from_db()
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (True, False, False)
    assert (api_user.unsubscribe_page_url, api_user.sender_address, api_user.sender_name) == (
        "https://example.com/u",
        f"hello@{domain_name}",
        "Hello",
    )
    refused = logged_in.post(f"/console/apiusers/{api_user.pk}/edit/", {"unsubscribe_page": "default", "sender_address": "x@other.org"})
    assert refused.status_code == 200
    api_user.refresh_from_db()
    assert api_user.sender_address == f"hello@{domain_name}"


def test_regenerate_asks_first_then_shows_the_new_key_once(logged_in, api_user):
    old_key = api_key_for(api_user.name)
    confirm = logged_in.get(f"/console/apiusers/{api_user.pk}/regenerate/")
    assert confirm.status_code == 200
    assert "keeps working for 15 minutes" in confirm.content.decode()
    api_user.refresh_from_db()
    assert api_user.key_hash == hash_api_key(old_key)  # asking changes nothing

    response = logged_in.post(f"/console/apiusers/{api_user.pk}/regenerate/")
    page = response.content.decode()
    new_key = KEY_IN_DIALOG.search(page).group(1)
    assert "The previous API_KEY keeps working for 15 minutes, then stops." in page
    api_user.refresh_from_db()
    assert api_user.key_hash == hash_api_key(new_key)
    assert key_matches(api_user, old_key) and key_matches(api_user, new_key)
    assert new_key not in logged_in.get("/console/apiusers/").content.decode()
    assert new_key not in all_database_text()


def test_another_accounts_api_user_is_not_found(logged_in, other_account):
    theirs = ApiUserFactory(account=other_account)
    before = (theirs.key_hash, theirs.open_tracking)
    assert logged_in.get(f"/console/apiusers/{theirs.pk}/edit/").status_code == 404
    assert logged_in.get(f"/console/apiusers/{theirs.pk}/regenerate/").status_code == 404
    assert logged_in.post(f"/console/apiusers/{theirs.pk}/regenerate/").status_code == 404
    assert logged_in.post(f"/console/apiusers/{theirs.pk}/tracking/", {}).status_code == 404
    assert logged_in.post(f"/console/apiusers/{theirs.pk}/edit/", {"unsubscribe_page": "default"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.key_hash, theirs.open_tracking) == before


def test_tracking_domain_choice_in_create_and_settings(logged_in, domain, account):
    from domains.models import TrackingDomain

    verified = TrackingDomain.objects.create(account=account, name="t.example.com", verified=True)
    pending = TrackingDomain.objects.create(account=account, name="t2.example.com", verified=False)
    page = logged_in.get("/console/apiusers/new/").content.decode()
    assert "t.example.com (Verified)" in page and "t2.example.com (Unverified)" in page
    refused = logged_in.post("/console/apiusers/new/", form_data(tracking_domain=str(pending.pk)))
    assert "The tracking domain t2.example.com is not verified" in refused.content.decode()
    assert ApiUser.objects.count() == 0
    created = logged_in.post("/console/apiusers/new/", form_data(tracking_domain=str(verified.pk)))
    assert KEY_IN_DIALOG.search(created.content.decode())
    api_user = ApiUser.objects.get(name="console_user")
    assert api_user.tracking_domain == verified
    assert "t.example.com" in logged_in.get("/console/apiusers/").content.decode()
    edit = logged_in.get(f"/console/apiusers/{api_user.pk}/edit/").content.decode()
    assert f'<option value="{verified.pk}" selected>' in edit
    logged_in.post(f"/console/apiusers/{api_user.pk}/edit/", {"unsubscribe_page": "default", "tracking_domain": ""})
    api_user.refresh_from_db()
    assert api_user.tracking_domain is None
