"""Writes for sending domains and tracking domains."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from domains import checks, crypto, dkim
from domains.certificates import CertificateError, validate
from domains.models import (
    DNS_BITS,
    REQUIRED_BITS,
    Domain,
    DomainStatus,
    DomainStatusChange,
    TrackingDomain,
    VerifyBit,
)
from domains.rules import (
    CREATE_FAILED,
    MAX_DOMAINS,
    MAX_TRACKING_DOMAINS,
    NEW_NAME_CODES,
    TOO_MANY,
    UPDATE_FAILED,
    DomainError,
    validate_name,
)

RECORD_BITS = {
    "dkim": VerifyBit.DKIM,
    "spf": VerifyBit.SPF,
    "mx": VerifyBit.MX,
    "dmarc": VerifyBit.VERIFY_KEY,
}


# --- DKIM keys ------------------------------------------------------------------------------------
def _key_fields(key: dkim.GeneratedKey) -> dict:
    return {
        "dkim_selector": key.selector,
        "dkim_public_key": key.public_key,
        "dkim_private_key_encrypted": key.private_key_encrypted,
    }


def ensure_dkim_key(*, domain: Domain) -> Domain:
    """Give ``domain`` a DKIM key pair if it has none (rows made before keys existed, factories)."""
    if domain.dkim_private_key_encrypted:
        return domain
    fields = _key_fields(dkim.generate())
    # Conditional update: two workers racing here keep one key, and both return that one.
    Domain.objects.filter(pk=domain.pk, dkim_private_key_encrypted="").update(**fields)
    domain.refresh_from_db(fields=list(fields))
    return domain


@dataclass(frozen=True)
class DkimSigningKey:
    domain: str
    selector: str
    private_key_pem: bytes


def dkim_signing_key(*, domain: Domain) -> DkimSigningKey:
    """What the delivery engine signs with: (selector, private key PEM) of ``domain``.

    Raises ``domains.crypto.KeyUnavailable`` if the stored key cannot be decrypted (SECRET_KEY changed).
    """
    domain = ensure_dkim_key(domain=domain)
    return DkimSigningKey(
        domain=domain.name,
        selector=domain.dkim_selector,
        private_key_pem=dkim.private_key_pem(domain.dkim_private_key_encrypted),
    )


# --- sending domains ------------------------------------------------------------------------------
def create_test_domain(*, account: User) -> Domain:
    """The account's test domain ``<random>.<PLATFORM_DOMAIN>``, treated as verified (product.md §1)."""
    name = f"{secrets.token_hex(4)}.{settings.PLATFORM_DOMAIN}"
    return Domain.objects.create(
        account=account,
        name=name,
        status=DomainStatus.VERIFIED,
        is_test=True,
        verify_bits=DNS_BITS,
        **_key_fields(dkim.generate()),
    )


def status_for_bits(bits: int) -> DomainStatus:
    if bits & REQUIRED_BITS != REQUIRED_BITS:
        return DomainStatus.UNVERIFIED
    return DomainStatus.VERIFIED if bits & VerifyBit.VERIFY_KEY else DomainStatus.USABLE


def add_domain(*, account: User, name: str) -> Domain:
    """A new sending domain with its own DKIM key; at most ``MAX_DOMAINS`` per account."""
    name = validate_name(name)
    key = dkim.generate()  # before taking the lock: RSA generation takes a while
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=account.pk).first()  # serialise adds of one account
        if Domain.objects.filter(account=account, is_test=False).count() >= MAX_DOMAINS:
            raise DomainError(
                TOO_MANY, _("An account can have at most %(max)d sending domains.") % {"max": MAX_DOMAINS}
            )
        if Domain.objects.filter(name=name).exists():
            raise DomainError(
                CREATE_FAILED, _("The domain %(name)s has already been added.") % {"name": name}
            )
        try:
            with transaction.atomic():
                return Domain.objects.create(account=account, name=name, **_key_fields(key))
        except IntegrityError:  # added by someone else at the same moment
            raise DomainError(
                CREATE_FAILED, _("The domain %(name)s has already been added.") % {"name": name}
            ) from None


def rename_domain(*, domain: Domain, new_name: str) -> Domain:
    """Rename a domain; only while none of its records is verified (product.md §2)."""
    if domain.is_test:
        raise DomainError(UPDATE_FAILED, _("The test domain cannot be renamed."))
    if domain.verify_bits & DNS_BITS:
        raise DomainError(
            UPDATE_FAILED,
            _("%(name)s cannot be renamed: some of its records are verified.") % {"name": domain.name},
        )
    new_name = validate_name(new_name, codes=NEW_NAME_CODES)
    if new_name == domain.name:
        return domain
    if Domain.objects.filter(name=new_name).exists():
        raise DomainError(
            UPDATE_FAILED, _("The domain %(name)s has already been added.") % {"name": new_name}
        )
    old_status = domain.status
    domain.name = new_name
    # The old name's check results say nothing about the new one.
    domain.check_results = {}
    domain.checked_at = None
    domain.verify_bits = 0
    domain.status = DomainStatus.UNVERIFIED
    try:
        with transaction.atomic():
            domain.save()
            if old_status != domain.status:
                DomainStatusChange.objects.create(
                    domain=domain,
                    old_status=old_status,
                    new_status=domain.status,
                    trigger=DomainStatusChange.Trigger.RENAME,
                )
    except IntegrityError:
        raise DomainError(
            UPDATE_FAILED, _("The domain %(name)s has already been added.") % {"name": new_name}
        ) from None
    return domain


def delete_domain(*, domain: Domain) -> None:
    if domain.is_test:
        raise DomainError(UPDATE_FAILED, _("The test domain cannot be deleted."))
    try:
        with transaction.atomic():
            domain.delete()
    except ProtectedError:
        raise DomainError(
            UPDATE_FAILED,
            _("%(name)s is used by API_USERs; bind them to another domain first.") % {"name": domain.name},
        ) from None


def check_domain(*, domain: Domain, trigger: str = DomainStatusChange.Trigger.CHECK) -> Domain:
    """Look the domain's records up in DNS now, store what was found and the resulting status.

    A record whose lookup failed (timeout, SERVFAIL) is "could not check": it keeps its previous
    verified bit, so a DNS outage never demotes a domain.  Test domains are not checked.
    """
    if domain.is_test:
        return domain
    domain = ensure_dkim_key(domain=domain)
    checked_name = domain.name
    # DNS first, outside any row lock: a slow server must not hold the row.
    results = checks.check_domain_records(
        domain_name=checked_name, selector=domain.dkim_selector, public_key=domain.dkim_public_key
    )
    with transaction.atomic():
        locked = Domain.objects.select_for_update().get(pk=domain.pk)
        if locked.name != checked_name:  # renamed meanwhile: these answers are about the old name
            return locked
        bits = locked.verify_bits
        for key, result in results.items():
            if result.state == checks.PASS:
                bits |= RECORD_BITS[key]
            elif result.state == checks.FAIL:
                bits &= ~RECORD_BITS[key]
        old_status = locked.status
        locked.verify_bits = bits
        locked.status = status_for_bits(bits)
        locked.check_results = {key: result.as_dict() for key, result in results.items()}
        locked.checked_at = timezone.now()
        locked.save(update_fields=["verify_bits", "status", "check_results", "checked_at", "updated_at"])
        if old_status != locked.status:
            DomainStatusChange.objects.create(
                domain=locked, old_status=old_status, new_status=locked.status, trigger=trigger
            )
    return locked


def check_domain_by_id(
    *, domain_id: int, trigger: str = DomainStatusChange.Trigger.PERIODIC
) -> Domain | None:
    """The periodic job's unit of work: reload by ID (gone -> nothing to do) and check."""
    domain = Domain.objects.filter(pk=domain_id, is_test=False).first()
    return check_domain(domain=domain, trigger=trigger) if domain else None


# --- tracking domains -----------------------------------------------------------------------------
def add_tracking_domain(*, account: User, name: str) -> TrackingDomain:
    name = validate_name(name)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=account.pk).first()
        if TrackingDomain.objects.filter(account=account).count() >= MAX_TRACKING_DOMAINS:
            raise DomainError(
                TOO_MANY,
                _("An account can have at most %(max)d tracking domains.") % {"max": MAX_TRACKING_DOMAINS},
            )
        if TrackingDomain.objects.filter(name=name).exists():
            raise DomainError(
                CREATE_FAILED, _("The tracking domain %(name)s has already been added.") % {"name": name}
            )
        try:
            with transaction.atomic():
                return TrackingDomain.objects.create(account=account, name=name)
        except IntegrityError:
            raise DomainError(
                CREATE_FAILED, _("The tracking domain %(name)s has already been added.") % {"name": name}
            ) from None


def check_tracking_domain(*, tracking_domain: TrackingDomain) -> TrackingDomain:
    """Look the CNAME up now; "could not check" keeps the previous verdict."""
    checked_name = tracking_domain.name
    result = checks.check_tracking_cname(checked_name)
    with transaction.atomic():
        locked = TrackingDomain.objects.select_for_update().get(pk=tracking_domain.pk)
        if locked.name != checked_name:
            return locked
        if result.state != checks.UNKNOWN:
            locked.verified = result.state == checks.PASS
        locked.check_result = result.as_dict()
        locked.checked_at = timezone.now()
        locked.save(update_fields=["verified", "check_result", "checked_at", "updated_at"])
    return locked


def check_tracking_domain_by_id(*, tracking_domain_id: int) -> TrackingDomain | None:
    tracking_domain = TrackingDomain.objects.filter(pk=tracking_domain_id).first()
    return check_tracking_domain(tracking_domain=tracking_domain) if tracking_domain else None


def upload_certificate(
    *, tracking_domain: TrackingDomain, certificate_pem: str, private_key_pem: str
) -> TrackingDomain:
    """Store an HTTPS certificate for the tracking domain after checking key, hostname and dates."""
    try:
        valid = validate(
            hostname=tracking_domain.name,
            certificate_pem=certificate_pem or "",
            private_key_pem=private_key_pem or "",
            now=timezone.now(),
        )
    except CertificateError as error:
        raise DomainError(UPDATE_FAILED, str(error)) from None
    tracking_domain.certificate_pem = valid.certificate_pem
    tracking_domain.private_key_encrypted = crypto.encrypt(valid.private_key_pem)
    tracking_domain.certificate_not_before = valid.not_before
    tracking_domain.certificate_not_after = valid.not_after
    tracking_domain.save()
    return tracking_domain


def remove_certificate(*, tracking_domain: TrackingDomain) -> TrackingDomain:
    tracking_domain.certificate_pem = ""
    tracking_domain.private_key_encrypted = ""
    tracking_domain.certificate_not_before = None
    tracking_domain.certificate_not_after = None
    tracking_domain.save()
    return tracking_domain


def tracking_certificate(*, tracking_domain: TrackingDomain) -> tuple[str, bytes] | None:
    """(certificate chain PEM, private key PEM) for serving HTTPS on the tracking domain, if uploaded."""
    if not tracking_domain.certificate_pem:
        return None
    return tracking_domain.certificate_pem, crypto.decrypt(tracking_domain.private_key_encrypted)


def delete_tracking_domain(*, tracking_domain: TrackingDomain) -> None:
    try:
        with transaction.atomic():
            tracking_domain.delete()
    except ProtectedError:
        raise DomainError(
            UPDATE_FAILED,
            _("%(name)s is used by API_USERs; choose another tracking domain for them first.")
            % {"name": tracking_domain.name},
        ) from None
