"""SendCloud's identifiers (sendcloud-api-v2.md §4).

messageId: one per request, ``<epoch-ms>_<account id>_<n>_<n>.sc-<host id>-inbound``.
emailId:   one per recipient, ``messageId + <0-based position> + '$' + <address>``.
Message-ID header: ``<messageId + position @ sending domain>`` (as SendCloud's own headers look).
"""

from __future__ import annotations

import re
import secrets
import socket
import time

_HOST_ID = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "local"


def new_message_id(*, account_id: int, now_ms: int | None = None) -> str:
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return f"{now_ms}_{account_id}_{secrets.randbelow(100000)}_{secrets.randbelow(10000)}.sc-{_HOST_ID}-inbound"


def email_id(message_id: str, position: int, address: str) -> str:
    return f"{message_id}{position}${address}"


def message_id_header(message_id: str, position: int, sending_domain: str) -> str:
    return f"<{message_id}{position}@{sending_domain}>"
