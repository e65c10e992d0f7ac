"""发送设置 -> 域名 in the console (Django test client; the browser flow is in test_browser.py)."""

import re

import pytest

from domains import services
from domains.models import Domain
from tests.domains.helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, account):
    client.force_login(account)
    return client


def test_list_shows_domains_status_and_legend(logged_in, account):
    services.create_test_domain(account=account)
    services.add_domain(account=account, name="mail.example.test")
    page = logged_in.get("/console/domains/").content.decode()
    assert re.findall(r'data-testid="domain-row" data-name="([^"]+)"', page)[1:] == ["mail.example.test"]
    assert page.count('data-status="unverified"') == 2  # the row and the legend
    for text in ("Unverified", "Usable", "Verified", "Add domain", "You can add up to 5 domains (1 used)"):
        assert text in page


def test_list_in_chinese(client, account):
    client.force_login(account)
    page = client.get("/console/domains/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    for text in ("域名", "新增域名", "未验证", "可使用", "已验证"):
        assert text in page


def test_add_then_the_configuration_page_shows_four_records(logged_in, dns_server):
    response = logged_in.post("/console/domains/add/", {"name": "Mail.Example.Test"})
    domain = Domain.objects.get(name="mail.example.test")
    assert response.status_code == 302
    assert response["Location"] == f"/console/domains/{domain.pk}/"
    page = logged_in.get(response["Location"]).content.decode()
    for key in ("spf", "dkim", "mx", "dmarc"):
        assert f'data-testid="record-{key}" data-state="fail"' in page
    assert "v=spf1 include:spf.sendcloud.localhost ~all" in page
    assert f"{domain.dkim_selector}._domainkey.mail.example.test" in page
    assert domain.dkim_public_key in page
    assert "10 mx.sendcloud.localhost" in page
    assert "v=DMARC1; p=none; rua=mailto:dmarc@sendcloud.localhost" in page
    assert "BEGIN PRIVATE KEY" not in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ab_c.com", "is not a domain name"),
        ("中文.com", "is not a domain name"),
        ("a" * 251, "at most 250 characters"),
        ("sendcloud-mail.example.test", "containing “sendcloud” are not allowed"),
        ("", "Enter a domain name."),
    ],
)
def test_add_refusals(logged_in, name, message):
    response = logged_in.post("/console/domains/add/", {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Domain.objects.count() == 0


def test_sixth_domain_is_refused_in_the_console(logged_in, account):
    for number in range(5):
        services.add_domain(account=account, name=f"d{number}.example.test")
    response = logged_in.post("/console/domains/add/", {"name": "d5.example.test"})
    assert response.status_code == 400
    assert "An account can have at most 5 sending domains." in response.content.decode()
    assert Domain.objects.filter(account=account).count() == 5


def test_check_configuration_and_status(logged_in, account, dns_server):
    domain = services.add_domain(account=account, name="mail.example.test")
    publish(dns_server, domain)
    response = logged_in.post(f"/console/domains/{domain.pk}/check/")
    assert response.status_code == 302
    page = logged_in.get(f"/console/domains/{domain.pk}/").content.decode()
    assert page.count('data-state="pass"') == 8  # the row and its result cell, four times
    assert (
        '<h1><span data-testid="domain-name">mail.example.test</span> <span class="domain-status status-verified"'
        in page
    )
    assert 'data-testid="status-history"' in page
    assert 'data-testid="rename"' not in page  # verified: no renaming


def test_could_not_check_is_shown_as_such(logged_in, account, unreachable_dns, settings):
    settings.DNS_LIFETIME = 1.0
    domain = services.add_domain(account=account, name="mail.example.test")
    logged_in.post(f"/console/domains/{domain.pk}/check/")
    page = logged_in.get(f"/console/domains/{domain.pk}/").content.decode()
    assert page.count('data-testid="record-state" data-state="unknown"') == 4
    assert "Could not check: the DNS did not answer" in page


def test_subdomain_advice_when_the_domain_has_other_mx_hosts(logged_in, dns_server):
    dns_server.add("example.test", "MX", "10 mx.mailbox-provider.example.test")
    logged_in.post("/console/domains/add/", {"name": "example.test"})
    domain = Domain.objects.get(name="example.test")
    page = logged_in.get(f"/console/domains/{domain.pk}/").content.decode()
    assert 'data-testid="subdomain-advice"' in page
    assert "info.example.test" in page
    assert "mx.mailbox-provider.example.test" in page


def test_rename_while_unverified_and_refused_after(logged_in, account, dns_server):
    domain = services.add_domain(account=account, name="old.example.test")
    logged_in.post(f"/console/domains/{domain.pk}/rename/", {"new_name": "new.example.test"})
    domain.refresh_from_db()
    assert domain.name == "new.example.test"

    publish(dns_server, domain, keys=("spf",))
    services.check_domain(domain=domain)
    response = logged_in.post(
        f"/console/domains/{domain.pk}/rename/", {"new_name": "other.example.test"}, follow=True
    )
    assert "cannot be renamed: some of its records are verified" in response.content.decode()
    domain.refresh_from_db()
    assert domain.name == "new.example.test"


def test_another_accounts_domain_is_not_found(client, other_account, account):
    domain = services.add_domain(account=account, name="mine.example.test")
    client.force_login(other_account)
    assert client.get(f"/console/domains/{domain.pk}/").status_code == 404
    for action in ("check", "rename", "delete"):
        assert (
            client.post(f"/console/domains/{domain.pk}/{action}/", {"new_name": "x.example.test"}).status_code
            == 404
        )
    domain.refresh_from_db()
    assert domain.name == "mine.example.test"
    assert "mine.example.test" not in client.get("/console/domains/").content.decode()


def test_delete_domain_and_protected_test_domain(logged_in, account, api_user):
    domain = services.add_domain(account=account, name="gone.example.test")
    assert logged_in.post(f"/console/domains/{domain.pk}/delete/")["Location"] == "/console/domains/"
    assert not Domain.objects.filter(pk=domain.pk).exists()

    used = api_user.domain  # bound to an API_USER: kept
    response = logged_in.post(f"/console/domains/{used.pk}/delete/", follow=True)
    assert "is used by API_USERs" in response.content.decode()
    assert Domain.objects.filter(pk=used.pk).exists()

    test_domain = services.create_test_domain(account=account)
    logged_in.post(f"/console/domains/{test_domain.pk}/delete/")
    assert Domain.objects.filter(pk=test_domain.pk).exists()


def test_test_domain_page(logged_in, account):
    test_domain = services.create_test_domain(account=account)
    page = logged_in.get(f"/console/domains/{test_domain.pk}/").content.decode()
    assert 'data-testid="test-domain-note"' in page
    assert page.count('data-testid="record-state" data-state="platform"') == 4
    assert 'data-testid="check-config"' not in page


def test_pages_need_login(client):
    assert client.get("/console/domains/").status_code == 302
    assert client.get("/console/tracking/").status_code == 302
