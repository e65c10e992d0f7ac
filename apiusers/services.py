"""Writes for API_USERs: creation, keys, settings, test credentials and the daily request quota.

Refusals are ``ApiUserError``: an ``ApiError`` carrying SendCloud's statusCode (41101-41119) for
the Web API and, in ``reason``, a sentence the console shows as is.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from apiusers.credentials import PREVIOUS_KEY_GRACE, hash_api_key, new_api_key
from apiusers.models import ApiUser, DailyUsage, EmailType
from apiusers.selectors import quota_used_today as quota_used_today  # part of this module's interface
from domains.models import Domain, TrackingDomain
from domains.services import create_test_domain
from sendcloud.apiv2.errors import ApiError

MAX_API_USERS_PER_ACCOUNT = 10
TEST_DAILY_QUOTA = 200  # requests a day for an API_USER on a test domain (SendCloud: 200)
NAME_PATTERN = re.compile(r"[A-Za-z0-9_@.\-]{6,64}")
MAX_DOMAIN_NAME_LENGTH = 250
QUOTA_EXCEEDED = 40904

# Base messages for codes the shared table lacks or words differently (DOCS:sources/email_v2/index.md).
MESSAGES = {
    41111: "name must be 6-64 characters of A-Za-z0-9_@-.",
    41113: "open empty",
    41114: "open invalid",
    41115: "click empty",
    41116: "click invalid",
    41117: "unsubscribe empty",
    41118: "unsubscribe invalid",
}


class ApiUserError(ApiError):
    """A refusal: ``status_code`` for the Web API, ``reason`` for people."""

    def __init__(self, status_code: int, reason: str):
        super().__init__(status_code, reason, message=MESSAGES.get(status_code))
        self.reason = reason


# --- creation -----------------------------------------------------------------------------------


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApiUserError(41110, _("Enter a name for the API_USER."))
    if not NAME_PATTERN.fullmatch(name):
        raise ApiUserError(
            41111,
            _("The name must be 6 to 64 characters long and use only letters, digits, _ @ - and ."),
        )
    return name


def _bindable_domain(*, account: User, domain_name: str) -> Domain:
    domain_name = (domain_name or "").strip().lower()
    if not domain_name:
        raise ApiUserError(41105, _("Choose a domain."))
    if len(domain_name) > MAX_DOMAIN_NAME_LENGTH:
        raise ApiUserError(41107, _("A domain name has at most 250 characters."))
    domain = Domain.objects.filter(account=account, name=domain_name).first()
    if domain is None:  # another account's domain is "not found" too
        raise ApiUserError(41108, _("The domain %(name)s is not one of your domains.") % {"name": domain_name})
    if not domain.can_send:
        raise ApiUserError(
            41106,
            _(
                "The domain %(name)s is unverified: its SPF, DKIM and MX records must pass before an "
                "API_USER can be bound to it."
            )
            % {"name": domain.name},
        )
    return domain


def _clean_unsubscribe_page(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ApiUserError(41119, _("The unsubscribe page must be an http:// or https:// URL.")) from None
    return url


def _bindable_tracking_domain(*, account: User, tracking_domain_id: int | None) -> TrackingDomain | None:
    """None (the platform's default tracking host) or one of the account's verified tracking domains."""
    if tracking_domain_id is None:
        return None
    tracking_domain = TrackingDomain.objects.filter(account=account, pk=tracking_domain_id).first()
    if tracking_domain is None:  # another account's tracking domain is "not found" too
        raise ApiUserError(41119, _("That tracking domain is not one of your tracking domains."))
    if not tracking_domain.verified:
        raise ApiUserError(
            41119,
            _("The tracking domain %(name)s is not verified: its CNAME must pass before it can be used.")
            % {"name": tracking_domain.name},
        )
    return tracking_domain


def _clean_sender(*, address: str, name: str, domain: Domain) -> tuple[str, str]:
    address = (address or "").strip().lower()
    name = (name or "").strip()
    if any(character in name + address for character in "\r\n\0"):
        raise ApiUserError(41119, _("The sender may not contain line breaks."))
    if not address:
        if name:
            raise ApiUserError(41119, _("Enter the sender address for the sender name."))
        return "", ""
    try:
        validate_email(address)
    except ValidationError:
        raise ApiUserError(41119, _("%(address)s is not a valid e-mail address.") % {"address": address}) from None
    if address.rsplit("@", 1)[1] != domain.name:
        raise ApiUserError(
            41119,
            _("The sender address must be on the API_USER's domain %(domain)s.") % {"domain": domain.name},
        )
    return address, name[:100]


@sensitive_variables("api_key")
def create_api_user(
    *,
    account: User,
    name: str,
    email_type: int,
    domain_name: str,
    open_tracking: bool = True,
    click_tracking: bool = True,
    unsubscribe_tracking: bool = True,
    unsubscribe_page_url: str = "",
    sender_address: str = "",
    sender_name: str = "",
    tracking_domain_id: int | None = None,
) -> tuple[ApiUser, str]:
    """Create an API_USER of ``account`` and return it with its API_KEY (the only time it exists in clear).

    An API_USER bound to a test domain is a test API_USER: trigger type only, 200 requests a day.
    Click tracking needs a verified tracking domain or the system default: ``tracking_domain_id``
    None is the system default, and a custom one is accepted only while verified.
    """
    name = validate_name(name)
    if email_type not in EmailType.values:
        raise ApiUserError(41102, _("The type must be 0 (trigger) or 1 (batch)."))
    domain = _bindable_domain(account=account, domain_name=domain_name)
    if domain.is_test and email_type != EmailType.TRIGGER:
        raise ApiUserError(41102, _("A test domain sends trigger mail only."))
    unsubscribe_page_url = _clean_unsubscribe_page(unsubscribe_page_url)
    sender_address, sender_name = _clean_sender(address=sender_address, name=sender_name, domain=domain)
    tracking_domain = _bindable_tracking_domain(account=account, tracking_domain_id=tracking_domain_id)
    api_key = new_api_key()
    with transaction.atomic():
        # Lock the account row so two concurrent creations cannot both take the 10th place.
        User.objects.select_for_update().filter(pk=account.pk).first()
        if ApiUser.objects.filter(account=account).count() >= MAX_API_USERS_PER_ACCOUNT:
            raise ApiUserError(41112, _("An account can have at most 10 API_USERs."))
        try:
            with transaction.atomic():
                api_user = ApiUser.objects.create(
                    account=account,
                    name=name,
                    email_type=email_type,
                    domain=domain,
                    is_test=domain.is_test,
                    daily_quota=TEST_DAILY_QUOTA if domain.is_test else None,
                    key_hash=hash_api_key(api_key),
                    open_tracking=open_tracking,
                    click_tracking=click_tracking,
                    unsubscribe_tracking=unsubscribe_tracking,
                    unsubscribe_page_url=unsubscribe_page_url,
                    sender_address=sender_address,
                    sender_name=sender_name,
                    tracking_domain=tracking_domain,
                )
        except IntegrityError:
            raise ApiUserError(41119, _("The name %(name)s is already taken.") % {"name": name}) from None
    return api_user, api_key


@sensitive_variables()
def create_test_credentials(*, account: User) -> tuple[ApiUser, str]:
    """A new account's test domain and its test API_USER (trigger, 200 requests a day), with the key."""
    domain = create_test_domain(account=account)
    prefix = re.sub(r"[^A-Za-z0-9_]", "_", account.email.split("@", 1)[0])[:40].strip("_")
    for _attempt in range(5):
        name = f"{prefix}_test_{secrets.token_hex(4)}" if prefix else f"test_{secrets.token_hex(6)}"
        if not ApiUser.objects.filter(name=name).exists():
            break
    return create_api_user(account=account, name=name, email_type=EmailType.TRIGGER, domain_name=domain.name)


# --- keys and settings ------------------------------------------------------------------------------


@sensitive_variables("api_key")
def regenerate_api_key(*, api_user: ApiUser, now: datetime | None = None) -> str:
    """Issue a new API_KEY; the current one keeps working for 15 minutes (an older one stops now)."""
    now = now or timezone.now()
    api_key = new_api_key()
    with transaction.atomic():
        locked = ApiUser.objects.select_for_update().get(pk=api_user.pk)
        locked.previous_key_hash = locked.key_hash
        locked.previous_key_expires_at = now + PREVIOUS_KEY_GRACE
        locked.key_hash = hash_api_key(api_key)
        locked.save(update_fields=["previous_key_hash", "previous_key_expires_at", "key_hash", "updated_at"])
    api_user.refresh_from_db()
    return api_key


def update_tracking(*, api_user: ApiUser, open_tracking: bool, click_tracking: bool, unsubscribe_tracking: bool) -> None:
    api_user.open_tracking = open_tracking
    api_user.click_tracking = click_tracking
    api_user.unsubscribe_tracking = unsubscribe_tracking
    api_user.save(update_fields=["open_tracking", "click_tracking", "unsubscribe_tracking", "updated_at"])


def update_settings(
    *,
    api_user: ApiUser,
    open_tracking: bool,
    click_tracking: bool,
    unsubscribe_tracking: bool,
    unsubscribe_page_url: str,
    sender_address: str,
    sender_name: str,
    tracking_domain_id: int | None,
) -> None:
    """Change everything about an API_USER except its name, type and domain."""
    unsubscribe_page_url = _clean_unsubscribe_page(unsubscribe_page_url)
    sender_address, sender_name = _clean_sender(address=sender_address, name=sender_name, domain=api_user.domain)
    if tracking_domain_id != api_user.tracking_domain_id:
        # Keeping the current one is always allowed (it may have failed a re-check since); a new
        # choice must be verified now.
        api_user.tracking_domain = _bindable_tracking_domain(
            account=api_user.account, tracking_domain_id=tracking_domain_id
        )
    api_user.open_tracking = open_tracking
    api_user.click_tracking = click_tracking
    api_user.unsubscribe_tracking = unsubscribe_tracking
    api_user.unsubscribe_page_url = unsubscribe_page_url
    api_user.sender_address = sender_address
    api_user.sender_name = sender_name
    api_user.save()


# --- daily quota ------------------------------------------------------------------------------------


def consume_quota(*, api_user: ApiUser, count: int = 1) -> None:
    """Add ``count`` requests to today's usage of ``api_user``, or refuse with 40904 writing nothing.

    One statement decides and writes: ``INSERT ... ON CONFLICT DO UPDATE ... WHERE used + n <= quota``
    either inserts today's row, or adds to it only while the sum stays within the quota (the row
    lock taken by the upsert serialises concurrent callers), or touches nothing and returns no row.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    quota = api_user.daily_quota
    day = timezone.localdate()
    if quota is not None and count > quota:
        raise _quota_exceeded(quota)
    table = connection.ops.quote_name(DailyUsage._meta.db_table)
    limit = "" if quota is None else f" WHERE {table}.used + EXCLUDED.used <= %s"
    sql = (
        f"INSERT INTO {table} (api_user_id, day, used) VALUES (%s, %s, %s)"
        f" ON CONFLICT (api_user_id, day) DO UPDATE SET used = {table}.used + EXCLUDED.used{limit}"
        " RETURNING used"
    )
    values = [api_user.pk, day, count] + ([] if quota is None else [quota])
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        written = cursor.fetchone()
    if written is None:
        raise _quota_exceeded(quota)


def _quota_exceeded(quota: int) -> ApiError:
    return ApiError(QUOTA_EXCEEDED, f"Request quota exceeded: the daily quota of this API_USER is {quota} requests")
