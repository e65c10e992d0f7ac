from django.conf import settings
from django.db import models


class DomainStatus(models.TextChoices):
    UNVERIFIED = "unverified", "unverified"  # SPF, DKIM or MX fails: cannot be bound to an API_USER
    USABLE = "usable", "usable"  # SPF, DKIM and MX pass, DMARC does not
    VERIFIED = "verified", "verified"  # all four pass


SENDABLE_STATUSES = (DomainStatus.USABLE, DomainStatus.VERIFIED)


class VerifyBit(models.IntegerChoices):
    """SendCloud's ``verify`` bit mask (sendcloud-api-v2.md §2.8); the values never change."""

    DKIM = 1, "DKIM"
    SPF = 2, "SPF"
    MX = 4, "MX"
    CNAME = 8, "CNAME"  # a verified tracking domain at or under this domain (see docs/api/domains.md)
    VERIFY_KEY = 16, "verifyKey"  # our DMARC check


REQUIRED_BITS = VerifyBit.DKIM | VerifyBit.SPF | VerifyBit.MX
DNS_BITS = REQUIRED_BITS | VerifyBit.VERIFY_KEY  # the bits a DNS check of the domain decides


class Domain(models.Model):
    """A sending domain (发信域名) owned by one account."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=250, unique=True)
    status = models.CharField(max_length=16, choices=DomainStatus.choices, default=DomainStatus.UNVERIFIED)
    # A test domain (<random>.<PLATFORM_DOMAIN>) is treated as verified and limited to 200 mails a day.
    is_test = models.BooleanField(default=False)
    # DKIM: the selector (s<yyyymm>), the public key as published (base64 DER, the p= tag) and the
    # private key as a Fernet token under a key derived from SECRET_KEY (domains.dkim), so a
    # database dump alone does not reveal it.  Empty only for rows made before keys existed.
    dkim_selector = models.CharField(max_length=63, blank=True, default="")
    dkim_public_key = models.TextField(blank=True, default="")
    dkim_private_key_encrypted = models.TextField(blank=True, default="")
    # The DNS bits (DKIM, SPF, MX, verifyKey=DMARC) from the last checks; a record that "could not
    # be checked" keeps its previous bit.  ``status`` follows from these bits.
    verify_bits = models.PositiveSmallIntegerField(default=0)
    # Per record ("spf", "dkim", "mx", "dmarc"): {"state": pass|fail|unknown, "found": [...], "detail": str}.
    check_results = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def can_send(self) -> bool:
        return self.status in SENDABLE_STATUSES


class DomainStatusChange(models.Model):
    """One change of a domain's status, with when and why (manual check, periodic check, rename)."""

    class Trigger(models.TextChoices):
        CHECK = "check", "check"  # 检测配置 in the console or domain/checkConfig
        PERIODIC = "periodic", "periodic"  # the beat job
        RENAME = "rename", "rename"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=16, choices=DomainStatus.choices)
    new_status = models.CharField(max_length=16, choices=DomainStatus.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]


class TrackingDomain(models.Model):
    """A custom tracking hostname (追踪域名): a CNAME to track.<PLATFORM_DOMAIN>, optionally with HTTPS."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracking_domains"
    )
    name = models.CharField(max_length=250, unique=True)
    # True while the last conclusive check found the CNAME; unverified tracking domains are unusable.
    verified = models.BooleanField(default=False)
    # {"state": pass|fail|unknown, "found": [...], "detail": str} from the last check.
    check_result = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Optional HTTPS: the PEM certificate (chain) and its key (a Fernet token, like DKIM keys).
    certificate_pem = models.TextField(blank=True, default="")
    private_key_encrypted = models.TextField(blank=True, default="")
    certificate_not_before = models.DateTimeField(null=True, blank=True)
    certificate_not_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def https(self) -> bool:
        return bool(self.certificate_pem)
