"""Reads for sending domains and tracking domains (scoped to an account unless said otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User
from domains import checks, records
from domains.models import DNS_BITS, SENDABLE_STATUSES, Domain, DomainStatusChange, TrackingDomain, VerifyBit
from domains.rules import NOT_FOUND, DomainError, normalize_name

PLATFORM = "platform"  # display state of a test domain's records: the platform publishes them


# --- sending domains ------------------------------------------------------------------------------
def domains_for(*, account: User) -> QuerySet[Domain]:
    return Domain.objects.filter(account=account).order_by("-is_test", "id")


def sendable_domains_for(*, account: User) -> QuerySet[Domain]:
    """Domains an API_USER may be bound to (usable or verified)."""
    return domains_for(account=account).filter(status__in=SENDABLE_STATUSES)


def access_domain(*, account: User, domain_id: int) -> Domain:
    return get_object_or_404(Domain, pk=domain_id, account=account)


def domain_by_name(*, account: User, name: str) -> Domain:
    domain = Domain.objects.filter(account=account, name=normalize_name(name)).first()
    if domain is None:
        raise DomainError(NOT_FOUND, _("No domain named %(name)s.") % {"name": normalize_name(name)})
    return domain


def domain_ids_to_recheck() -> list[int]:
    return list(Domain.objects.filter(is_test=False).order_by("id").values_list("id", flat=True))


def status_history(*, domain: Domain, limit: int = 20) -> list[DomainStatusChange]:
    return list(domain.status_changes.all()[:limit])


@dataclass(frozen=True)
class RecordRow:
    """One record as the console, the API and the exports show it: required vs. found."""

    key: str
    label: str
    rdtype: str
    host: str
    value: str
    priority: int | None
    required: bool
    bit: int
    state: str  # pass | fail | unknown (could not check) | unchecked | platform
    found: list[str]
    problem: str  # a sentence for people, "" when nothing to say

    @property
    def passed(self) -> bool:
        return self.state in (checks.PASS, PLATFORM)


def state_label(state: str) -> str:
    labels = {
        checks.PASS: _("Passed"),
        checks.FAIL: _("Failed"),
        checks.UNKNOWN: _("Could not check"),
        checks.UNCHECKED: _("Not checked"),
        PLATFORM: _("Managed by the platform"),
    }
    return labels.get(state, state)


def problem_text(result: checks.CheckResult, *, domain_name: str = "") -> str:
    problem = result.problem
    if problem == checks.LOOKUP_FAILED:
        return _("Could not check: the DNS did not answer (%(error)s).") % {"error": result.error}
    if problem == checks.OTHER_MX:
        hosts = checks.other_mx_hosts(result)
        return _(
            "This domain already receives mail at %(hosts)s. Point its MX to %(mx)s, or add a subdomain "
            "such as %(suggestion)s instead to keep your current mailboxes."
        ) % {"hosts": ", ".join(hosts) or "-", "mx": records.mx_host(), "suggestion": f"info.{domain_name}"}
    if problem == checks.NO_INCLUDE:
        return _("The SPF record does not include %(include)s.") % {"include": records.spf_include_host()}
    if problem == checks.WRONG_CNAME:
        return _("The CNAME does not lead to %(host)s.") % {"host": records.tracking_host()}
    texts = {
        checks.NO_RECORD: _("No record found."),
        checks.NO_SPF: _("No SPF record (v=spf1) among the TXT records."),
        checks.MULTIPLE_SPF: _(
            "More than one SPF record: receivers treat that as an error. Merge them into one."
        ),
        checks.INCLUDE_UNCHECKED: _("Could not check an include of the SPF record: the DNS did not answer."),
        checks.KEY_MISMATCH: _("The published key is not this domain's DKIM key."),
        checks.NO_DMARC: _("No DMARC record (v=DMARC1)."),
        checks.MULTIPLE_DMARC: _("More than one DMARC record: receivers ignore them all."),
        checks.INVALID_DMARC: _(
            "The DMARC record is not valid: it must start with v=DMARC1 and set p=none, quarantine or reject."
        ),
    }
    return texts.get(problem, "")


def record_rows(*, domain: Domain) -> list[RecordRow]:
    rows = []
    for required in records.required_records(
        domain_name=domain.name, selector=domain.dkim_selector, public_key=domain.dkim_public_key
    ):
        if domain.is_test:
            result = checks.CheckResult(state=PLATFORM)
        else:
            result = checks.CheckResult.from_dict(domain.check_results.get(required.key))
        rows.append(
            RecordRow(
                key=required.key,
                label=required.label,
                rdtype=required.rdtype,
                host=required.host,
                value=required.value,
                priority=required.priority,
                required=required.required,
                bit=required.bit,
                state=result.state,
                found=result.found,
                problem=problem_text(result, domain_name=domain.name),
            )
        )
    return rows


def other_mx_hosts(*, domain: Domain) -> list[str]:
    """MX hosts of the domain, found by the last check, that are not the platform's."""
    return checks.other_mx_hosts(checks.CheckResult.from_dict(domain.check_results.get("mx")))


def verified_tracking_names(*, account: User) -> list[str]:
    return list(TrackingDomain.objects.filter(account=account, verified=True).values_list("name", flat=True))


def cname_tracking_name(*, domain: Domain, tracking_names: list[str]) -> str:
    """The verified tracking domain at or under ``domain`` (SendCloud's ``cname`` of a domain), or ""."""
    matches = sorted(
        name for name in tracking_names if name == domain.name or name.endswith("." + domain.name)
    )
    return matches[0] if matches else ""


def verify_mask(*, domain: Domain, tracking_names: list[str]) -> int:
    """SendCloud's ``verify``: DKIM 1, SPF 2, MX 4, CNAME 8, verifyKey (DMARC) 16."""
    bits = domain.verify_bits & DNS_BITS
    if cname_tracking_name(domain=domain, tracking_names=tracking_names):
        bits |= VerifyBit.CNAME
    return bits


# --- tracking domains -----------------------------------------------------------------------------
def tracking_domains_for(*, account: User) -> QuerySet[TrackingDomain]:
    return TrackingDomain.objects.filter(account=account).order_by("id")


def access_tracking_domain(*, account: User, tracking_domain_id: int) -> TrackingDomain:
    return get_object_or_404(TrackingDomain, pk=tracking_domain_id, account=account)


def tracking_domain_by_name(*, account: User, name: str) -> TrackingDomain:
    found = TrackingDomain.objects.filter(account=account, name=normalize_name(name)).first()
    if found is None:
        raise DomainError(NOT_FOUND, _("No tracking domain named %(name)s.") % {"name": normalize_name(name)})
    return found


def usable_tracking_domain(*, name: str) -> TrackingDomain | None:
    """The verified tracking domain serving ``name`` (for tracking links on a request's Host), if any."""
    return TrackingDomain.objects.filter(name=normalize_name(name), verified=True).first()


def tracking_domain_ids_to_recheck() -> list[int]:
    return list(TrackingDomain.objects.order_by("id").values_list("id", flat=True))


def tracking_row(*, tracking_domain: TrackingDomain) -> RecordRow:
    result = checks.CheckResult.from_dict(tracking_domain.check_result)
    return RecordRow(
        key="cname",
        label="CNAME",
        rdtype="CNAME",
        host=tracking_domain.name,
        value=records.tracking_host(),
        priority=None,
        required=True,
        bit=VerifyBit.CNAME,
        state=result.state,
        found=result.found,
        problem=problem_text(result),
    )
