"""sendcloud.resolver against a real BIND on loopback."""

import pytest

from sendcloud import resolver

pytestmark = pytest.mark.django_db


def test_txt_long_values_and_multiple_records(dns_server):
    long_value = "v=DKIM1; k=rsa; p=" + "A" * 400
    dns_server.add("s1._domainkey.mail.example.test", "TXT", long_value)
    dns_server.add("mail.example.test", "TXT", "v=spf1 -all")
    dns_server.add("mail.example.test", "TXT", "hello world")
    assert resolver.txt("s1._domainkey.mail.example.test") == [long_value]
    assert sorted(resolver.txt("Mail.Example.Test.")) == ["hello world", "v=spf1 -all"]


def test_mx_sorted_by_preference_and_normalised(dns_server):
    dns_server.add("rcpt.example.test", "MX", "20 MX2.rcpt.example.test.")
    dns_server.add("rcpt.example.test", "MX", "10 mx1.rcpt.example.test")
    assert resolver.mx("rcpt.example.test") == [
        resolver.MxRecord(10, "mx1.rcpt.example.test"),
        resolver.MxRecord(20, "mx2.rcpt.example.test"),
    ]


def test_null_mx_has_an_empty_exchange(dns_server):
    dns_server.add("nomail.example.test", "MX", "0 .")
    assert resolver.mx("nomail.example.test") == [resolver.MxRecord(0, "")]


def test_cname_a_and_addresses(dns_server):
    dns_server.add("track.example.test", "CNAME", "track.sendcloud.localhost")
    dns_server.add("host.example.test", "A", "127.0.0.5")
    dns_server.add("host.example.test", "AAAA", "::1")
    assert resolver.cname("track.example.test") == "track.sendcloud.localhost"
    assert resolver.a("host.example.test") == ["127.0.0.5"]
    assert resolver.aaaa("host.example.test") == ["::1"]
    assert resolver.addresses("host.example.test") == ["127.0.0.5", "::1"]


def test_nxdomain_and_noanswer_are_no_record(dns_server):
    dns_server.add("exists.example.test", "A", "127.0.0.1")
    with pytest.raises(resolver.NxDomain) as nx:
        resolver.txt("missing.example.test")
    assert isinstance(nx.value, resolver.NoRecord)
    assert (nx.value.name, nx.value.rdtype) == ("missing.example.test", "TXT")
    with pytest.raises(resolver.NoAnswer):
        resolver.mx("exists.example.test")
    with pytest.raises(resolver.NoAnswer):
        resolver.addresses("example.test")


def test_records_removed_are_gone(dns_server):
    dns_server.add("gone.example.test", "TXT", "x")
    dns_server.delete("gone.example.test", "TXT")
    with pytest.raises(resolver.NoRecord):
        resolver.txt("gone.example.test")


def test_refused_zone_is_lookup_failed(dns_server):
    with pytest.raises(resolver.LookupFailed):
        resolver.txt("example.org")


def test_closed_port_is_lookup_failed(unreachable_dns, settings):
    settings.DNS_LIFETIME = 1.0
    with pytest.raises(resolver.LookupFailed) as failed:
        resolver.txt("example.test")
    assert not isinstance(failed.value, resolver.NoRecord)


def test_invalid_name_is_no_record(dns_server):
    with pytest.raises(resolver.NxDomain):
        resolver.txt("a" * 64 + ".example.test")
