from django.conf import settings
from django.db import models


class TemplateType(models.IntegerChoices):
    TRIGGER = 0, "trigger"  # 触发: transactional
    BATCH = 1, "batch"  # 批量: marketing


class TemplateStat(models.IntegerChoices):
    """SendCloud's ``templateStat``: only approved templates can be sent."""

    NOT_SUBMITTED = -2, "not submitted"
    REJECTED = -1, "rejected"
    PENDING = 0, "pending review"
    APPROVED = 1, "approved"


class Template(models.Model):
    """An e-mail template (邮件模板): subject, HTML and plain parts with %variables%, called by invoke name."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_templates")
    name = models.CharField(max_length=255)
    invoke_name = models.CharField(max_length=250)
    template_type = models.IntegerField(choices=TemplateType.choices)
    template_stat = models.IntegerField(choices=TemplateStat.choices)
    subject = models.CharField(max_length=255)
    html = models.TextField()
    # The text/plain part; never empty: when the user gives none it is derived from ``html``.
    plain = models.TextField()
    # True while ``plain`` is the derived one, so that a later HTML edit derives it again.
    plain_derived = models.BooleanField(default=False)
    content_summary = models.CharField(max_length=255, blank=True, default="")
    # Full tokens ("%content%") whose values go into the HTML part unescaped (trusted HTML blocks).
    raw_variables = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "invoke_name"], name="template_invoke_name_unique_per_account")
        ]

    def __str__(self) -> str:
        return self.invoke_name

    @property
    def raw_tokens(self) -> frozenset[str]:
        """The ``raw`` argument of ``rendering.render`` for this template's HTML part."""
        return frozenset(self.raw_variables or ())

    @property
    def is_approved(self) -> bool:
        return self.template_stat == TemplateStat.APPROVED


class Label(models.Model):
    """A label (标签) that classifies mail for statistics (A/B tests); one per e-mail."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="label_name_unique_per_account")]

    def __str__(self) -> str:
        return self.name
