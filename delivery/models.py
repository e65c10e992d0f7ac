"""Mail accepted for delivery: one SendRequest per API call or SMTP message, one Email per recipient
copy, one Event per thing that happened.  PostgreSQL is the truth; Celery only carries Email ids."""

from django.conf import settings
from django.db import models


class EventType(models.IntegerChoices):
    """SendCloud's event codes, shared by delivery, tracking, statistics and webhooks."""

    DELIVER = 1, "deliver"
    REPORT_SPAM = 3, "report_spam"
    INVALID = 4, "invalid"
    SOFT_BOUNCE = 5, "soft_bounce"
    CLICK = 10, "click"
    OPEN = 11, "open"
    UNSUBSCRIBE = 12, "unsubscribe"
    REQUEST = 18, "request"


class EmailStatus(models.IntegerChoices):
    """An email's delivery status, with the codes of the event that set it."""

    REQUESTING = 18, "requesting"  # 请求中
    DELIVERED = 1, "delivered"  # 送达
    SOFT_BOUNCE = 5, "soft_bounce"  # 软退信 (still being retried)
    INVALID = 4, "invalid"  # 无效邮件


class Source(models.TextChoices):
    API = "api", "Web API"
    SMTP = "smtp", "SMTP"


class SendRequest(models.Model):
    """One accepted request: its identifiers and its content, stored once for all its emails."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="send_requests")
    api_user = models.ForeignKey("apiusers.ApiUser", on_delete=models.PROTECT, related_name="send_requests")
    message_id = models.CharField(max_length=128, unique=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    email_type = models.IntegerField()  # 0 trigger, 1 batch (the API_USER's type when sent)
    label = models.ForeignKey("templates_app.Label", null=True, blank=True, on_delete=models.SET_NULL)
    template_invoke_name = models.CharField(max_length=250, blank=True, default="")
    from_address = models.CharField(max_length=320)
    from_name = models.CharField(max_length=255, blank=True, default="")
    reply_to = models.JSONField(default=list)  # ["a@x.com", ...]
    to_header = models.JSONField(default=list)  # [[name, address], ...] as shown in the To header
    cc_header = models.JSONField(default=list)
    subject = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    plain = models.TextField(blank=True, default="")
    content_summary = models.CharField(max_length=512, blank=True, default="")
    headers = models.JSONField(default=dict)  # custom headers from the `headers` parameter or SMTP
    raw_variables = models.JSONField(default=list)  # template variables inserted without HTML escaping
    filters = models.JSONField(default=dict)  # xsmtpapi.filters: per-message tracking overrides
    xsmtpapi_settings = models.JSONField(default=dict)
    use_notification = models.BooleanField(default=False)
    raw_mime = models.BinaryField(null=True, blank=True)  # SMTP submissions keep the client's message
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.message_id

    @property
    def user_headers(self) -> dict:
        """The SC-Custom-* headers, echoed to webhooks as userHeaders."""
        return {k: v for k, v in self.headers.items() if k.lower().startswith("sc-custom-")}


class Attachment(models.Model):
    request = models.ForeignKey(SendRequest, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    data = models.BinaryField()
    content_id = models.CharField(max_length=255, blank=True, default="")  # set for inline images (cid:)

    class Meta:
        ordering = ["id"]


class RecipientRole(models.TextChoices):
    TO = "to", "to"
    CC = "cc", "cc"
    BCC = "bcc", "bcc"
    INDIVIDUAL = "x", "xsmtpapi.to"  # its own copy with its own variables


class Email(models.Model):
    """One recipient's copy: what the delivery engine claims, attempts and reports on."""

    request = models.ForeignKey(SendRequest, on_delete=models.CASCADE, related_name="emails")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emails")
    email_id = models.CharField(max_length=512, unique=True)
    position = models.PositiveIntegerField()
    role = models.CharField(max_length=3, choices=RecipientRole.choices)
    recipient = models.CharField(max_length=320)
    recipient_domain = models.CharField(max_length=255, db_index=True)
    recipient_name = models.CharField(max_length=255, blank=True, default="")
    variables = models.JSONField(default=dict)  # {"%name%": "value"} for this recipient
    status = models.IntegerField(choices=EmailStatus.choices, default=EmailStatus.REQUESTING, db_index=True)
    sub_status = models.IntegerField(null=True, blank=True)
    last_log = models.TextField(blank=True, default="")
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # a worker owns the email until then
    enqueued_at = models.DateTimeField(null=True, blank=True)  # last time a job was sent to the broker
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return self.email_id


class Event(models.Model):
    """Everything that happened to a request or an email, in SendCloud's event vocabulary."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    request = models.ForeignKey(SendRequest, on_delete=models.CASCADE, related_name="events")
    email = models.ForeignKey(Email, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    event = models.IntegerField(choices=EventType.choices)
    sub_status = models.IntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "event", "created_at"])]


class SendRequestKey(models.Model):
    """A ``sendRequestId`` seen from an account: a repeat within the window is answered 40000."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="unique_send_request_key")]


class SuppressionKind(models.TextChoices):
    BOUNCE = "bounce", "bounce"  # hard bounce: the address does not exist (sub-status 401)
    UNSUBSCRIBE = "unsubscribe", "unsubscribe"  # sub-status 402
    SPAM = "spam", "spam report"  # sub-status 401
    CUSTOM = "custom", "custom block list"  # sub-status 401


class Suppression(models.Model):
    """An address the account must not send to, until ``expires_at`` (None: until removed)."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suppressions")
    address = models.CharField(max_length=320)
    kind = models.CharField(max_length=16, choices=SuppressionKind.choices)
    reason = models.TextField(blank=True, default="")
    api_user = models.ForeignKey("apiusers.ApiUser", null=True, blank=True, on_delete=models.SET_NULL)
    label_id = models.IntegerField(null=True, blank=True)
    hits = models.PositiveIntegerField(default=1)  # n-th bounce: expiry grows as 2^n hours
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "address", "kind"], name="unique_suppression"),
        ]
        indexes = [models.Index(fields=["account", "address"])]


class Outcome(models.TextChoices):
    DELIVERED = "delivered", "delivered"
    TEMPORARY = "temporary", "temporary failure"
    PERMANENT = "permanent", "permanent failure"


class DeliveryAttempt(models.Model):
    """One try at handing one email to one MX host (or to the sandbox)."""

    email = models.ForeignKey(Email, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    mx_host = models.CharField(max_length=255, blank=True, default="")
    ip = models.CharField(max_length=64, blank=True, default="")
    smtp_code = models.IntegerField(null=True, blank=True)
    enhanced_status = models.CharField(max_length=16, blank=True, default="")
    reply = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    tls = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class SandboxMessage(models.Model):
    """An email the sandbox kept instead of delivering: the exact signed bytes an MX would have got."""

    email = models.OneToOneField(Email, on_delete=models.CASCADE, related_name="sandbox_message")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_messages")
    envelope_from = models.CharField(max_length=320)
    recipient = models.CharField(max_length=320)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
