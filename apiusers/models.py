from django.conf import settings
from django.db import models

from domains.models import Domain, TrackingDomain


class EmailType(models.IntegerChoices):
    TRIGGER = 0, "trigger"  # 触发: transactional
    BATCH = 1, "batch"  # 批量: marketing


class ApiUser(models.Model):
    """An API_USER: the credential (with its API_KEY) that sends over the Web API and SMTP."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_users")
    name = models.CharField(max_length=64, unique=True)
    email_type = models.IntegerField(choices=EmailType.choices, default=EmailType.TRIGGER)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="api_users")
    is_test = models.BooleanField(default=False)
    # SHA-256 of the API_KEY: the key has >= 128 random bits, so a fast hash is safe and allows lookup.
    key_hash = models.CharField(max_length=64)
    # After "regenerate" the previous key keeps working until previous_key_expires_at (15 minutes).
    previous_key_hash = models.CharField(max_length=64, blank=True, default="")
    previous_key_expires_at = models.DateTimeField(null=True, blank=True)
    open_tracking = models.BooleanField(default=True)
    click_tracking = models.BooleanField(default=True)
    unsubscribe_tracking = models.BooleanField(default=True)
    # Host of open/click/unsubscribe links: None = the platform's default tracking host, else this
    # custom one (bound only while verified; if a re-check later fails, links fall back to the default).
    tracking_domain = models.ForeignKey(
        TrackingDomain, on_delete=models.PROTECT, null=True, blank=True, related_name="api_users"
    )
    # Where the unsubscribe link leads: "" = the platform's own unsubscribe page, else this URL.
    unsubscribe_page_url = models.URLField(max_length=500, blank=True, default="")
    # Optional "sender" (发件人) rewrite: the visible From/Sender shown by mailboxes, so mail is not
    # displayed as "sent on behalf of".  The address must be on the API_USER's own domain.
    sender_address = models.EmailField(max_length=254, blank=True, default="")
    sender_name = models.CharField(max_length=100, blank=True, default="")
    # Requests a day; None means no daily limit (test API_USERs get 200).
    daily_quota = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "API_USER"

    def __str__(self) -> str:
        return self.name

    @property
    def is_batch(self) -> bool:
        return self.email_type == EmailType.BATCH

    @property
    def usable_tracking_domain(self) -> TrackingDomain | None:
        """The custom tracking domain to put in links, or None for the platform's default host."""
        tracking_domain = self.tracking_domain
        return tracking_domain if tracking_domain is not None and tracking_domain.verified else None


class DailyUsage(models.Model):
    """Requests one API_USER made on one day (in settings.TIME_ZONE), checked against its daily quota.

    Written only by ``apiusers.services.consume_quota`` with a single conditional upsert, so two
    concurrent requests can never both take the last unit of quota.
    """

    api_user = models.ForeignKey(ApiUser, on_delete=models.CASCADE, related_name="daily_usage")
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_user", "day"], name="apiusers_dailyusage_one_per_day")]

    def __str__(self) -> str:
        return f"{self.api_user_id} {self.day}: {self.used}"
