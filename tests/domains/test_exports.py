"""导出配置信息: the CSV and XLSX files, parsed and compared cell by cell."""

import csv
import io

import openpyxl
import pytest

from domains import services
from tests.domains.helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_domain(account, dns_server):
    domain = services.add_domain(account=account, name="mail.example.test")
    publish(dns_server, domain, keys=("spf", "dkim"))
    dns_server.add("mail.example.test", "MX", "5 mx1.mailhost.example.test")
    return services.check_domain(domain=domain)


def expected_rows(domain):
    selector = domain.dkim_selector
    dkim = f"v=DKIM1; k=rsa; p={domain.dkim_public_key}"
    return [
        ["Record", "Type", "Host", "Value", "Priority", "Required", "Current value", "Status"],
        [
            "SPF",
            "TXT",
            "mail.example.test",
            "v=spf1 include:spf.sendcloud.localhost ~all",
            "",
            "Required",
            "v=spf1 include:spf.sendcloud.localhost ~all",
            "Passed",
        ],
        ["DKIM", "TXT", f"{selector}._domainkey.mail.example.test", dkim, "", "Required", dkim, "Passed"],
        [
            "MX",
            "MX",
            "mail.example.test",
            "mx.sendcloud.localhost",
            "10",
            "Required",
            "5 mx1.mailhost.example.test",
            "Failed",
        ],
        [
            "DMARC",
            "TXT",
            "_dmarc.mail.example.test",
            "v=DMARC1; p=none; rua=mailto:dmarc@sendcloud.localhost",
            "",
            "Optional (recommended)",
            "",
            "Failed",
        ],
    ]


def test_csv_export(client, account, checked_domain):
    client.force_login(account)
    response = client.get(f"/console/domains/{checked_domain.pk}/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mail.example.test-dns-records.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8 right
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == expected_rows(checked_domain)


def test_xlsx_export(client, account, checked_domain):
    client.force_login(account)
    response = client.get(f"/console/domains/{checked_domain.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="mail.example.test-dns-records.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["DNS records"]
    cells = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    expected = [[None if cell == "" else cell for cell in row] for row in expected_rows(checked_domain)]
    expected[3][4] = 10  # the MX priority is a number in the spreadsheet
    assert cells == expected
    assert workbook.active["A1"].font.bold is True


def test_export_in_chinese(client, account, checked_domain):
    client.force_login(account)
    response = client.get(f"/console/domains/{checked_domain.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="zh-CN")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["记录", "类型", "主机记录", "记录值", "优先级", "是否必需", "当前值", "状态"]
    assert [row[5] for row in rows[1:]] == ["必需", "必需", "必需", "可选（推荐）"]
    assert [row[7] for row in rows[1:]] == ["通过", "通过", "未通过", "未通过"]


def test_another_accounts_export_is_not_found(client, other_account, checked_domain):
    client.force_login(other_account)
    assert client.get(f"/console/domains/{checked_domain.pk}/export.csv").status_code == 404
    assert client.get(f"/console/domains/{checked_domain.pk}/export.xlsx").status_code == 404
