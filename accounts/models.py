import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


def new_app_key() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True, is_active=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: one person or team that owns domains, API_USERs, templates and mail."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=False, help_text="False until the activation link is followed.")
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=16, blank=True, default="")
    # Recipients are shown masked (a***@example.com) in the console unless the account turns this off.
    mask_recipients = models.BooleanField(default=True)
    # When on, new templates wait for an operator's approval before they can be used.
    templates_need_review = models.BooleanField(default=False)
    # Signs webhook POSTs (HMAC-SHA256 of timestamp + token), as SendCloud's APP KEY.
    app_key = models.CharField(max_length=64, default=new_app_key)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email
