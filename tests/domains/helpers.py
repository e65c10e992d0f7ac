"""Publishing a domain's required records on the test DNS server."""

from domains import records as platform_records
from domains.selectors import record_rows


def publish(dns_server, domain, keys=("spf", "dkim", "mx", "dmarc")) -> None:
    for row in record_rows(domain=domain):
        if row.key not in keys:
            continue
        value = f"{row.priority} {row.value}" if row.rdtype == "MX" else row.value
        dns_server.add(row.host, row.rdtype, value)


def spf_value() -> str:
    return platform_records.spf_value()
