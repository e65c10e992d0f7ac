"""Account life cycle: registration with activation, operator-created accounts, activation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from apiusers.services import create_test_credentials


class AccountError(Exception):
    """A refusal with a message a person can read."""


def _validated_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(_("%(email)s is not a valid e-mail address.") % {"email": email}) from None
    if User.objects.filter(email=email).exists():
        raise AccountError(_("An account with the e-mail address %(email)s already exists.") % {"email": email})
    return email


def _validated_password(password: str, email: str) -> None:
    try:
        validate_password(password, User(email=email))
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from None


@transaction.atomic
def create_account(*, email: str, password: str, active: bool, language: str = "") -> User:
    """Create an account with its test domain and test API_USER (product.md §1).

    The test API_USER's API_KEY exists in clear only now: it is attached to the returned user as
    ``test_api_key`` (never stored) so that ``createaccount`` can print it once.
    """
    email = _validated_email(email)
    _validated_password(password, email)
    user = User.objects.create_user(email, password, is_active=active, language=language)
    test_api_user, user.test_api_key = create_test_credentials(account=user)
    user.test_api_user = test_api_user
    return user


def register_account(*, email: str, password: str, language: str) -> User:
    """Create an inactive account and mail its activation link (after the row is committed)."""
    user = create_account(email=email, password=password, active=False, language=language)
    send_activation_email(user)
    return user


def activation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PUBLIC_URL + reverse("accounts:activate", args=[uid, token])


def send_activation_email(user: User) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Activate your account")
        body = render_to_string("accounts/activation_email.txt", {"user": user, "link": activation_link(user)})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def activate_account(*, uidb64: str, token: str) -> User:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise AccountError(_("This activation link is not valid.")) from None
    if user.is_active:
        return user
    if not default_token_generator.check_token(user, token):
        raise AccountError(_("This activation link is not valid or has expired."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def describe_account(user: User) -> dict:
    """The JSON object ``createaccount`` prints, with the test API_USER and (right after creation) its key."""
    description = {
        "id": user.pk,
        "email": user.email,
        "active": user.is_active,
        "dateJoined": user.date_joined.isoformat(),
    }
    test_api_user = getattr(user, "test_api_user", None) or user.api_users.filter(is_test=True).first()
    if test_api_user is not None:
        description["apiUser"] = test_api_user.name
        description["testDomain"] = test_api_user.domain.name
        description["apiKey"] = getattr(user, "test_api_key", None)
    return description


def update_settings(*, account: User, mask_recipients: bool, templates_need_review: bool) -> User:
    """设置选项: the account's own switches (recipient masking in the console, review of new templates)."""
    account.mask_recipients = mask_recipients
    account.templates_need_review = templates_need_review
    account.save(update_fields=["mask_recipients", "templates_need_review"])
    return account
