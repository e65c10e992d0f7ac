"""Live verification of a domain's records against a real BIND server."""

import pytest

from domains import checks, records, services, tasks
from domains.models import Domain, DomainStatusChange, TrackingDomain
from sendcloud.celery import app as celery_app
from sendcloud.config import HostPort
from tests.domains.helpers import publish
from tests.support.dns import unused_port

pytestmark = pytest.mark.django_db

PLATFORM_MX = "mx.sendcloud.localhost"
SPF = "v=spf1 include:spf.sendcloud.localhost ~all"
DMARC = "v=DMARC1; p=none; rua=mailto:dmarc@sendcloud.localhost"


@pytest.fixture
def domain(account):
    return services.add_domain(account=account, name="mail.example.test")


def states(domain):
    return {key: value["state"] for key, value in domain.check_results.items()}


def test_required_records_follow_the_platform_domain(domain):
    selector = domain.dkim_selector
    assert records.required_records(
        domain_name=domain.name, selector=selector, public_key=domain.dkim_public_key
    ) == [
        records.RequiredRecord("spf", "SPF", "TXT", "mail.example.test", SPF, None, True, 2),
        records.RequiredRecord(
            "dkim",
            "DKIM",
            "TXT",
            f"{selector}._domainkey.mail.example.test",
            f"v=DKIM1; k=rsa; p={domain.dkim_public_key}",
            None,
            True,
            1,
        ),
        records.RequiredRecord("mx", "MX", "MX", "mail.example.test", PLATFORM_MX, 10, True, 4),
        records.RequiredRecord("dmarc", "DMARC", "TXT", "_dmarc.mail.example.test", DMARC, None, False, 16),
    ]


def test_status_moves_between_unverified_usable_and_verified(dns_server, domain):
    domain = services.check_domain(domain=domain)
    assert domain.status == "unverified"
    assert domain.verify_bits == 0
    assert states(domain) == {"spf": "fail", "dkim": "fail", "mx": "fail", "dmarc": "fail"}
    assert domain.check_results["spf"] == {"state": "fail", "found": [], "problem": "no_record", "error": ""}

    publish(dns_server, domain, keys=("spf", "dkim"))
    domain = services.check_domain(domain=domain)
    assert domain.status == "unverified"
    assert domain.verify_bits == 1 | 2
    assert domain.check_results["spf"]["found"] == [SPF]

    publish(dns_server, domain, keys=("mx",))
    domain = services.check_domain(domain=domain)
    assert domain.status == "usable"
    assert domain.verify_bits == 7
    assert domain.check_results["mx"] == {
        "state": "pass",
        "found": [f"10 {PLATFORM_MX}"],
        "problem": "",
        "error": "",
    }

    publish(dns_server, domain, keys=("dmarc",))
    domain = services.check_domain(domain=domain)
    assert domain.status == "verified"
    assert domain.verify_bits == 23
    assert domain.check_results["dmarc"]["found"] == [DMARC]
    assert domain.can_send is True

    dns_server.delete("_dmarc.mail.example.test", "TXT")
    domain = services.check_domain(domain=domain)
    assert domain.status == "usable"
    assert domain.check_results["dmarc"]["problem"] == "no_record"

    dns_server.delete("mail.example.test", "MX")
    domain = services.check_domain(domain=domain, trigger="periodic")
    assert domain.status == "unverified"
    assert domain.can_send is False

    changes = list(DomainStatusChange.objects.filter(domain=domain).order_by("id"))
    assert [(c.old_status, c.new_status, c.trigger) for c in changes] == [
        ("unverified", "usable", "check"),
        ("usable", "verified", "check"),
        ("verified", "usable", "check"),
        ("usable", "unverified", "periodic"),
    ]
    assert all(c.changed_at is not None for c in changes)


def test_unreachable_dns_is_could_not_check_and_keeps_the_status(dns_server, domain, settings):
    publish(dns_server, domain)
    domain = services.check_domain(domain=domain)
    assert domain.status == "verified"

    settings.DNS_LIFETIME = 1.0
    settings.DNS_NAMESERVERS = [HostPort("127.0.0.1", unused_port())]
    domain = services.check_domain(domain=domain)
    assert states(domain) == {"spf": "unknown", "dkim": "unknown", "mx": "unknown", "dmarc": "unknown"}
    assert domain.check_results["mx"]["problem"] == "lookup_failed"
    assert domain.check_results["mx"]["found"] == []
    assert domain.status == "verified"  # a DNS outage does not demote the domain
    assert domain.verify_bits == 23
    assert DomainStatusChange.objects.filter(domain=domain).count() == 1  # only unverified -> verified


def test_refused_answer_is_could_not_check(dns_server, account):
    # The test server is not authoritative for example.org and answers REFUSED (like a SERVFAIL).
    domain = services.add_domain(account=account, name="mail.example.org")
    domain = services.check_domain(domain=domain)
    assert set(states(domain).values()) == {"unknown"}
    assert domain.status == "unverified"


def test_spf_through_nested_includes(dns_server, domain):
    dns_server.add("mail.example.test", "TXT", "v=spf1 ip4:192.0.2.1 include:_spf.example.test -all")
    dns_server.add("_spf.example.test", "TXT", "v=spf1 redirect=_spf2.example.test")
    dns_server.add("_spf2.example.test", "TXT", "v=spf1 include:spf.sendcloud.localhost ~all")
    result = checks.check_spf("mail.example.test")
    assert result == checks.CheckResult(
        state="pass", found=["v=spf1 ip4:192.0.2.1 include:_spf.example.test -all"]
    )


def test_spf_include_loops_and_depth_are_bounded(dns_server, domain):
    dns_server.add("mail.example.test", "TXT", "v=spf1 include:loop1.example.test ~all")
    dns_server.add("loop1.example.test", "TXT", "v=spf1 include:loop2.example.test ~all")
    dns_server.add("loop2.example.test", "TXT", "v=spf1 include:loop1.example.test ~all")
    assert checks.check_spf("mail.example.test").state == "fail"
    assert checks.check_spf("mail.example.test").problem == "no_include"


def test_spf_failures(dns_server, domain):
    dns_server.add("mail.example.test", "TXT", "google-site-verification=abc")
    assert checks.check_spf("mail.example.test") == checks.CheckResult(
        state="fail", found=["google-site-verification=abc"], problem="no_spf"
    )
    dns_server.add("mail.example.test", "TXT", "v=spf1 -include:spf.sendcloud.localhost ~all")
    assert checks.check_spf("mail.example.test").problem == "no_include"  # a failing qualifier does not count
    dns_server.add("mail.example.test", "TXT", "v=spf1 include:spf.sendcloud.localhost ~all")
    assert checks.check_spf("mail.example.test").problem == "multiple_spf"


def test_spf_nested_include_that_cannot_be_checked(dns_server, domain):
    dns_server.add("mail.example.test", "TXT", "v=spf1 include:spf.example.org ~all")
    result = checks.check_spf("mail.example.test")
    assert (result.state, result.problem) == ("unknown", "include_unchecked")


def test_dkim_must_match_our_key(dns_server, domain, account):
    other = services.add_domain(account=account, name="other.example.test")
    host = f"{domain.dkim_selector}._domainkey.mail.example.test"
    dns_server.add(host, "TXT", f"v=DKIM1; k=rsa; p={other.dkim_public_key}")
    domain = services.check_domain(domain=domain)
    assert domain.check_results["dkim"]["state"] == "fail"
    assert domain.check_results["dkim"]["problem"] == "key_mismatch"
    assert domain.check_results["dkim"]["found"] == [f"v=DKIM1; k=rsa; p={other.dkim_public_key}"]

    dns_server.replace(host, "TXT", f"v=DKIM1;k=rsa;  p={domain.dkim_public_key}")
    assert services.check_domain(domain=domain).check_results["dkim"]["state"] == "pass"


def test_mx_elsewhere_suggests_a_subdomain(dns_server, domain):
    dns_server.add("mail.example.test", "MX", "5 mx1.mailhost.example.test")
    result = checks.check_mx("mail.example.test")
    assert result == checks.CheckResult(
        state="fail", found=["5 mx1.mailhost.example.test"], problem="other_mx"
    )
    assert checks.other_mx_hosts(result) == ["mx1.mailhost.example.test"]


@pytest.mark.parametrize(
    ("value", "state", "problem"),
    [
        ("v=DMARC1; p=reject", "pass", ""),
        ("v=DMARC1;p=quarantine;pct=50", "pass", ""),
        ("v=DMARC1; p=maybe", "fail", "invalid_dmarc"),
        ("v=DMARC1; rua=mailto:x@example.test", "fail", "invalid_dmarc"),
        ("p=none; v=DMARC1", "fail", "no_dmarc"),
    ],
)
def test_dmarc_validity(dns_server, domain, value, state, problem):
    dns_server.add("_dmarc.mail.example.test", "TXT", value)
    result = checks.check_dmarc(host="_dmarc.mail.example.test")
    assert (result.state, result.problem) == (state, problem)


def test_two_dmarc_records_fail(dns_server, domain):
    dns_server.add("_dmarc.mail.example.test", "TXT", "v=DMARC1; p=none")
    dns_server.add("_dmarc.mail.example.test", "TXT", "v=DMARC1; p=reject")
    assert checks.check_dmarc(host="_dmarc.mail.example.test").problem == "multiple_dmarc"


def test_test_domains_are_not_checked(dns_server, account):
    test_domain = services.create_test_domain(account=account)
    assert services.check_domain(domain=test_domain).status == "verified"
    assert Domain.objects.get(pk=test_domain.pk).check_results == {}


def test_periodic_job_checks_every_domain(dns_server, domain, account, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.check_domain, "delay", lambda domain_id: queued.append(("domain", domain_id)))
    monkeypatch.setattr(
        tasks.check_tracking_domain, "delay", lambda tracking_id: queued.append(("tracking", tracking_id))
    )
    publish(dns_server, domain)
    services.create_test_domain(account=account)  # not re-checked
    tracking = services.add_tracking_domain(account=account, name="t.example.test")
    assert tasks.recheck_all_domains() == 2
    assert queued == [("domain", domain.pk), ("tracking", tracking.pk)]
    tasks.check_domain(domain.pk)  # what the worker runs
    tasks.check_tracking_domain(tracking.pk)
    tasks.check_domain(987654321)  # a domain deleted meanwhile: nothing to do
    assert TrackingDomain.objects.get(pk=tracking.pk).check_result["state"] == "fail"
    domain.refresh_from_db()
    assert domain.status == "verified"
    change = DomainStatusChange.objects.get(domain=domain)
    assert (change.old_status, change.new_status, change.trigger) == ("unverified", "verified", "periodic")


def test_beat_schedule_is_registered():
    from django.conf import settings

    entry = {"task": "domains.tasks.recheck_all_domains", "schedule": 3600.0}
    assert settings.CELERY_BEAT_SCHEDULE["domains.recheck-all"] == entry
    assert celery_app.conf.beat_schedule["domains.recheck-all"] == entry
