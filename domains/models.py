from django.conf import settings
from django.db import models


class DomainStatus(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"  # SPF, DKIM or MX fails: cannot be bound to an API_USER
    USABLE = "usable", "usable"  # SPF, DKIM and MX pass, DMARC does not
    VERIFIED = "verified", "verified"  # all four pass


SENDABLE_STATUSES = (DomainStatus.USABLE, DomainStatus.VERIFIED)


class Domain(models.Model):
    """A sending domain (发信域名) owned by one account."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=250, unique=True)
    status = models.CharField(max_length=16, choices=DomainStatus.choices, default=DomainStatus.UNVERIFIED)
    # A test domain (<random>.<PLATFORM_DOMAIN>) is treated as verified and limited to 200 mails a day.
    is_test = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def can_send(self) -> bool:
        return self.status in SENDABLE_STATUSES
