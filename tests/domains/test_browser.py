"""The whole 第二步 in headless Chromium: add a domain, publish its records, check, see the status."""

import pytest

from tests.browser.fixtures import log_in

pytestmark = pytest.mark.browser


def test_add_publish_check_verified_then_usable(browser_page, account, dns_server):
    page = browser_page("zh-CN")
    log_in(page, account)
    page.locator("nav.sidebar").get_by_role("link", name="域名", exact=True).click()
    page.wait_for_url("**/console/domains/")
    assert page.locator("h1").inner_text() == "域名"
    legend = page.get_by_test_id("status-legend").inner_text()
    assert "未验证" in legend and "可使用" in legend and "已验证" in legend

    page.get_by_text("新增域名", exact=True).first.click()
    page.fill("input[name=name]", "mail.example.test")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url("**/console/domains/*/")
    assert page.get_by_test_id("domain-name").inner_text() == "mail.example.test"
    assert page.locator("h1 [data-testid=domain-status]").get_attribute("data-status") == "unverified"

    rows = page.locator("table[data-testid=records] tbody tr")
    assert rows.count() == 4
    published = {}
    for key in ("spf", "dkim", "mx", "dmarc"):
        row = page.get_by_test_id(f"record-{key}")
        host = row.locator("td").nth(2).inner_text().strip()
        rdtype = row.locator("td").nth(1).inner_text().strip()
        value = row.get_by_test_id("required-value").inner_text().strip()
        assert row.get_attribute("data-state") == "fail"
        published[key] = (host, rdtype, value)
    assert published["spf"] == ("mail.example.test", "TXT", "v=spf1 include:spf.sendcloud.localhost ~all")
    assert published["mx"] == ("mail.example.test", "MX", "10 mx.sendcloud.localhost")
    assert published["dmarc"] == (
        "_dmarc.mail.example.test",
        "TXT",
        "v=DMARC1; p=none; rua=mailto:dmarc@sendcloud.localhost",
    )
    assert published["dkim"][0].endswith("._domainkey.mail.example.test")
    assert published["dkim"][2].startswith("v=DKIM1; k=rsa; p=MII")

    for host, rdtype, value in published.values():
        dns_server.add(host, rdtype, value)
    page.get_by_role("button", name="检测配置").click()
    page.wait_for_load_state()
    status = page.locator("h1 [data-testid=domain-status]")
    assert status.get_attribute("data-status") == "verified"
    assert status.inner_text().strip() == "✔ 已验证"
    for key in ("spf", "dkim", "mx", "dmarc"):
        assert page.get_by_test_id(f"record-{key}").get_attribute("data-state") == "pass"
    assert (
        page.get_by_test_id("record-dmarc").get_by_test_id("found-value").inner_text()
        == published["dmarc"][2]
    )

    dns_server.delete("_dmarc.mail.example.test", "TXT")
    page.get_by_role("button", name="检测配置").click()
    page.wait_for_load_state()
    assert status.get_attribute("data-status") == "usable"
    assert status.inner_text().strip() == "◐ 可使用"
    assert page.get_by_test_id("record-dmarc").get_attribute("data-state") == "fail"

    page.goto("/console/domains/")
    row = page.locator("[data-testid=domain-row][data-name='mail.example.test']")
    assert row.get_by_test_id("domain-status").inner_text().strip() == "◐ 可使用"

    with page.expect_download() as download:
        page.goto("/console/domains/")
        row.get_by_test_id("configure").click()
        page.get_by_test_id("export-csv").click()
    assert download.value.suggested_filename == "mail.example.test-dns-records.csv"


def test_bad_name_is_refused_in_the_dialog(browser_page, account):
    page = browser_page("en-US")
    log_in(page, account)
    page.goto("/console/domains/")
    page.get_by_text("Add domain", exact=True).first.click()
    page.fill("input[name=name]", "ab_c.com")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "is not a domain name" in page.get_by_test_id("add-error").inner_text()
    assert page.get_by_test_id("no-domains").is_visible()


def test_tracking_domain_in_the_browser(browser_page, account, dns_server):
    dns_server.add("links.example.test", "CNAME", "track.sendcloud.localhost")
    page = browser_page("zh-CN")
    log_in(page, account)
    page.goto("/console/tracking/")
    page.get_by_text("新增追踪域名", exact=True).first.click()
    page.fill("input[name=name]", "links.example.test")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url("**/console/tracking/*/")
    assert page.get_by_test_id("tracking-status").get_attribute("data-status") == "verified"
    assert page.get_by_test_id("record-cname").get_attribute("data-state") == "pass"
