"""导出配置信息: a domain's DNS records as CSV and XLSX, to hand to whoever manages the DNS."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from domains.models import Domain
from domains.selectors import RecordRow, record_rows, state_label


def headers() -> list[str]:
    return [
        pgettext("dns", "Record"),
        _("Type"),
        pgettext("dns", "Host"),
        pgettext("dns", "Value"),
        _("Priority"),
        pgettext("export column", "Required"),
        _("Current value"),
        _("Status"),
    ]


def _cells(row: RecordRow) -> list:
    return [
        row.label,
        row.rdtype,
        row.host,
        row.value,
        row.priority if row.priority is not None else "",
        pgettext("dns record", "Required") if row.required else _("Optional (recommended)"),
        "\n".join(row.found),
        state_label(row.state),
    ]


def table(*, domain: Domain) -> list[list]:
    return [headers(), *(_cells(row) for row in record_rows(domain=domain))]


def filename(*, domain: Domain, extension: str) -> str:
    return f"{domain.name}-dns-records.{extension}"


def as_csv(*, domain: Domain) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headers right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in table(domain=domain):
        writer.writerow(["" if cell is None else cell for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(*, domain: Domain) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("DNS records")
    for cells in table(domain=domain):
        sheet.append([None if cell == "" else cell for cell in cells])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (8, 7, 40, 60, 9, 22, 60, 16), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
