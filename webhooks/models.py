"""Webhooks: where an account wants its events POSTed, one row per (event x webhook) to deliver, and
one row per HTTP attempt.  PostgreSQL is the truth; Celery jobs only carry ids."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Webhook(models.Model):
    """A URL that receives the chosen events of one API_USER (or of all of them: ``api_user`` None)."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=1000)
    api_user = models.ForeignKey("apiusers.ApiUser", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="webhooks")
    events = models.JSONField(default=list)  # event names, see webhooks.vocabulary
    # Health: False = the console's red dot; nothing is sent until "refresh" succeeds.
    available = models.BooleanField(default=True)
    unavailable_since = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)  # first failure since the last 200
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One webhook per (URL, API_USER) and one per (URL, all): SendCloud's 40708 "url exists".
            models.UniqueConstraint(fields=["account", "url", "api_user"], condition=Q(api_user__isnull=False),
                                    name="webhooks_unique_url_per_api_user"),
            models.UniqueConstraint(fields=["account", "url"], condition=Q(api_user__isnull=True),
                                    name="webhooks_unique_url_for_all"),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def category_name(self) -> str:
        return self.api_user.name if self.api_user_id else "all"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # to send now or at next_attempt_at
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")  # the receiver answered 200 in time
    FAILED = "failed", _("Failed")  # retried for the whole retry window without a 200
    MISSED = "missed", _("Missed")  # not sent because the webhook was unavailable


class WebhookDelivery(models.Model):
    """One event to POST to one webhook, claimed with a lease like delivery.engine claims emails."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("delivery.Event", on_delete=models.CASCADE, related_name="webhook_deliveries")
    # Copied from the event: deliveries of one email (and its request) go out in event order.
    request = models.ForeignKey("delivery.SendRequest", on_delete=models.CASCADE, related_name="+")
    email = models.ForeignKey("delivery.Email", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event_type = models.IntegerField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField()  # a failure after this gives up (FAILED)
    lease_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="webhooks_one_delivery_per_event")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["webhook", "status", "event"]),
        ]

    @property
    def event_label(self) -> str:
        return _event_label(self.event_type)


class AttemptKind(models.TextChoices):
    EVENT = "event", pgettext_lazy("webhook attempt", "Event")
    PROBE = "probe", _("URL test")
    SIMULATION = "simulation", _("Simulated push")


class Attempt(models.Model):
    """One HTTP request to a webhook's URL: its time, answer, duration and the first bytes of the reply."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="attempts")
    delivery = models.ForeignKey(WebhookDelivery, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attempts")
    kind = models.CharField(max_length=16, choices=AttemptKind.choices)
    method = models.CharField(max_length=8, default="POST")
    event_type = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.IntegerField(null=True, blank=True)
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True, default="")
    reply_excerpt = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-started_at"])]

    @property
    def event_label(self) -> str:
        return _event_label(self.event_type) if self.event_type is not None else ""


def _event_label(code: int) -> str:
    from webhooks import vocabulary

    name = vocabulary.NAMES_BY_CODE.get(code)
    return str(vocabulary.LABELS[name]) if name else str(code)
