"""API_USER creation rules, keys, settings and the test credentials of a new account."""

import datetime

import pytest
from django.db import connection

from apiusers import services
from apiusers.credentials import hash_api_key, key_matches
from apiusers.models import ApiUser, EmailType
from apiusers.services import ApiUserError
from tests.factories import DomainFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain(account):
    return DomainFactory(account=account, name="mail.example.com", status="usable")


def create(account, name="valid_name", **changes):
    arguments = {"account": account, "name": name, "email_type": EmailType.TRIGGER, "domain_name": "mail.example.com"}
    arguments.update(changes)
    return services.create_api_user(**arguments)


def refused(code, call, *args, **kwargs):
    with pytest.raises(ApiUserError) as raised:
        call(*args, **kwargs)
    assert raised.value.status_code == code, raised.value.reason
    return raised.value


@pytest.mark.parametrize("name", ["abcdef", "a" * 64, "a.b-c@d_E9", "USER_1.prod@team-x"])
def test_names_of_6_to_64_allowed_characters_are_accepted(account, domain, name):
    api_user, _key = create(account, name)
    assert ApiUser.objects.get(pk=api_user.pk).name == name


@pytest.mark.parametrize("name", ["abcde", "a" * 65, "abc def", "abcdef!", "用户名字abcd", "abc/def", "abc\ndef"])
def test_names_too_short_too_long_or_with_other_characters_are_refused(account, domain, name):
    error = refused(41111, create, account, name)
    assert error.reason == "The name must be 6 to 64 characters long and use only letters, digits, _ @ - and ."
    assert error.message == (
        "name must be 6-64 characters of A-Za-z0-9_@-.. "
        "The name must be 6 to 64 characters long and use only letters, digits, _ @ - and ."
    )
    assert ApiUser.objects.count() == 0


def test_empty_name_is_41110(account, domain):
    refused(41110, create, account, "  ")
    assert ApiUser.objects.count() == 0


def test_names_are_unique_platform_wide(account, other_account, domain):
    DomainFactory(account=other_account, name="other.example.com")
    create(account, "shared_name")
    error = refused(41119, create, other_account, "shared_name", domain_name="other.example.com")
    assert error.reason == "The name shared_name is already taken."
    assert ApiUser.objects.filter(name="shared_name").get().account == account


def test_the_eleventh_api_user_is_refused(account, domain):
    for number in range(10):
        create(account, f"api_user_{number:02d}")
    error = refused(41112, create, account, "api_user_10")
    assert error.reason == "An account can have at most 10 API_USERs."
    assert ApiUser.objects.filter(account=account).count() == 10
    assert not ApiUser.objects.filter(name="api_user_10").exists()


def test_an_unverified_domain_is_refused_with_the_reason(account):
    DomainFactory(account=account, name="new.example.com", status="unverified")
    error = refused(41106, create, account, domain_name="new.example.com")
    assert error.reason == (
        "The domain new.example.com is unverified: its SPF, DKIM and MX records must pass before an "
        "API_USER can be bound to it."
    )
    assert ApiUser.objects.count() == 0


def test_another_accounts_domain_is_not_found(account, other_account):
    DomainFactory(account=other_account, name="theirs.example.com")
    error = refused(41108, create, account, domain_name="theirs.example.com")
    assert error.reason == "The domain theirs.example.com is not one of your domains."
    refused(41108, create, account, domain_name="nowhere.example.com")
    refused(41105, create, account, domain_name="")
    refused(41107, create, account, domain_name="a" * 251)
    assert ApiUser.objects.count() == 0


def test_defaults_and_type(account, domain):
    api_user, key = create(account, email_type=EmailType.BATCH)
    api_user.refresh_from_db()
    assert (api_user.email_type, api_user.is_test, api_user.daily_quota) == (EmailType.BATCH, False, None)
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (True, True, True)
    assert (api_user.unsubscribe_page_url, api_user.sender_address, api_user.sender_name) == ("", "", "")
    refused(41102, create, account, "another_one", email_type=2)


def test_the_key_is_random_long_and_stored_only_as_a_hash(account, domain):
    api_user, key = create(account)
    second, second_key = create(account, "second_user")
    assert len(key) >= 32 and key != second_key  # 24 random bytes in URL-safe base64
    assert api_user.key_hash == hash_api_key(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apiusers_apiuser")
        rows = cursor.fetchall()
    assert len(rows) == 2
    for row in rows:
        assert all(key not in str(value) and second_key not in str(value) for value in row)


def test_sender_rewrite_and_unsubscribe_page(account, domain):
    api_user, _key = create(
        account,
        sender_address="News@Mail.Example.com",
        sender_name="Example News",
        unsubscribe_page_url="https://www.example.com/unsubscribe",
    )
    api_user.refresh_from_db()
    assert (api_user.sender_address, api_user.sender_name) == ("news@mail.example.com", "Example News")
    assert api_user.unsubscribe_page_url == "https://www.example.com/unsubscribe"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sender_address": "news@elsewhere.com"}, "The sender address must be on the API_USER's domain mail.example.com."),
        ({"sender_address": "not-an-address"}, "not-an-address is not a valid e-mail address."),
        ({"sender_name": "Name only"}, "Enter the sender address for the sender name."),
        ({"sender_address": "a@mail.example.com", "sender_name": "Bad\r\nBcc: x"}, "The sender may not contain line breaks."),
        ({"unsubscribe_page_url": "javascript:alert(1)"}, "The unsubscribe page must be an http:// or https:// URL."),
    ],
)
def test_bad_sender_or_unsubscribe_page_is_refused(account, domain, changes, reason):
    error = refused(41119, create, account, **changes)
    assert error.reason == reason
    assert ApiUser.objects.count() == 0


def test_an_api_user_on_a_test_domain_is_a_trigger_test_user_with_200_a_day(account):
    DomainFactory(account=account, name="abc123.sendcloud.localhost", is_test=True)
    api_user, _key = create(account, domain_name="abc123.sendcloud.localhost")
    assert (api_user.is_test, api_user.daily_quota, api_user.email_type) == (True, 200, EmailType.TRIGGER)
    error = refused(41102, create, account, "batch_user", domain_name="abc123.sendcloud.localhost", email_type=1)
    assert error.reason == "A test domain sends trigger mail only."


def test_create_test_credentials(account, settings):
    api_user, key = services.create_test_credentials(account=account)
    api_user.refresh_from_db()
    assert api_user.account == account
    assert api_user.name.startswith(account.email.split("@")[0] + "_test_")
    assert api_user.domain.name.endswith("." + settings.PLATFORM_DOMAIN)
    assert (api_user.domain.is_test, api_user.domain.can_send) == (True, True)
    assert (api_user.is_test, api_user.email_type, api_user.daily_quota) == (True, EmailType.TRIGGER, 200)
    assert key_matches(api_user, key)


def test_regenerate_keeps_the_old_key_for_15_minutes(api_user):
    old_key = api_key_for(api_user.name)
    now = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    new_key = services.regenerate_api_key(api_user=api_user, now=now)
    api_user.refresh_from_db()
    assert new_key != old_key
    assert api_user.key_hash == hash_api_key(new_key)
    assert api_user.previous_key_expires_at == now + datetime.timedelta(minutes=15)
    assert key_matches(api_user, new_key, now=now)
    assert key_matches(api_user, old_key, now=now + datetime.timedelta(minutes=14, seconds=59))
    assert not key_matches(api_user, old_key, now=now + datetime.timedelta(minutes=15))
    assert key_matches(api_user, new_key, now=now + datetime.timedelta(days=365))
    # A second regeneration keeps only the key it replaces; the first one stops at once.
    newest = services.regenerate_api_key(api_user=api_user, now=now + datetime.timedelta(minutes=1))
    api_user.refresh_from_db()
    assert not key_matches(api_user, old_key, now=now + datetime.timedelta(minutes=1))
    assert key_matches(api_user, new_key, now=now + datetime.timedelta(minutes=2))
    assert key_matches(api_user, newest, now=now + datetime.timedelta(minutes=2))


def test_update_tracking_and_settings(api_user):
    services.update_tracking(api_user=api_user, open_tracking=False, click_tracking=True, unsubscribe_tracking=False)
    api_user.refresh_from_db()
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (False, True, False)
    services.update_settings(
        api_user=api_user,
        open_tracking=True,
        click_tracking=False,
        unsubscribe_tracking=True,
        unsubscribe_page_url="http://example.com/bye",
        sender_address=f"team@{api_user.domain.name}",
        sender_name="Team",
        tracking_domain_id=None,
    )
    api_user.refresh_from_db()
    assert (api_user.open_tracking, api_user.click_tracking, api_user.unsubscribe_tracking) == (True, False, True)
    assert (api_user.unsubscribe_page_url, api_user.sender_address) == ("http://example.com/bye", f"team@{api_user.domain.name}")
    with pytest.raises(ApiUserError):
        services.update_settings(
            api_user=api_user,
            open_tracking=False,
            click_tracking=False,
            unsubscribe_tracking=False,
            unsubscribe_page_url="",
            sender_address="team@elsewhere.com",
            sender_name="",
            tracking_domain_id=None,
        )
    api_user.refresh_from_db()
    assert api_user.open_tracking is True  # nothing written
    assert api_user.sender_address == f"team@{api_user.domain.name}"



def test_tracking_domain_must_be_an_own_verified_one(account, other_account, domain):
    from domains.models import TrackingDomain

    verified = TrackingDomain.objects.create(account=account, name="t.example.com", verified=True)
    pending = TrackingDomain.objects.create(account=account, name="t2.example.com", verified=False)
    theirs = TrackingDomain.objects.create(account=other_account, name="t.other.com", verified=True)
    error = refused(41119, create, account, tracking_domain_id=pending.pk)
    assert error.reason == "The tracking domain t2.example.com is not verified: its CNAME must pass before it can be used."
    error = refused(41119, create, account, tracking_domain_id=theirs.pk)
    assert error.reason == "That tracking domain is not one of your tracking domains."
    assert ApiUser.objects.count() == 0

    api_user, _key = create(account, tracking_domain_id=verified.pk)
    api_user.refresh_from_db()
    assert api_user.tracking_domain == verified
    assert api_user.usable_tracking_domain == verified
    # A later failed re-check makes links fall back to the default, and the binding may be kept.
    verified.verified = False
    verified.save()
    api_user.refresh_from_db()
    assert api_user.usable_tracking_domain is None
    settings_kept = {
        "open_tracking": True,
        "click_tracking": True,
        "unsubscribe_tracking": True,
        "unsubscribe_page_url": "",
        "sender_address": "",
        "sender_name": "",
    }
    services.update_settings(api_user=api_user, tracking_domain_id=verified.pk, **settings_kept)
    with pytest.raises(ApiUserError):
        services.update_settings(api_user=api_user, tracking_domain_id=pending.pk, **settings_kept)
    api_user.refresh_from_db()
    assert api_user.tracking_domain == verified
    services.update_settings(api_user=api_user, tracking_domain_id=None, **settings_kept)
    api_user.refresh_from_db()
    assert api_user.tracking_domain is None
