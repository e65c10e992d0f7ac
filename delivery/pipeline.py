"""The outbound pipeline: a list of named steps from an Email row to the signed bytes an MX gets.

    build MIME  ->  message steps (tracking, ...)  ->  DKIM-sign

Each step is a plain function, testable alone; ``MESSAGE_STEPS`` is where later steps (open/click
tracking, unsubscribe headers) join, before signing so the signature covers what they add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from delivery import dkim_signing, mime, return_path
from delivery.models import Email
from domains.dkim import private_key_pem

MessageStep = Callable[[Email, EmailMessage], EmailMessage]
MESSAGE_STEPS: list[MessageStep] = []


@dataclass
class Prepared:
    email: Email
    envelope_from: str
    recipient: str
    data: bytes  # CRLF line endings, DKIM-Signature first


def sign(email: Email, data: bytes) -> bytes:
    domain = email.request.api_user.domain
    if not domain.dkim_private_key_encrypted:
        return data
    return dkim_signing.sign(
        data,
        domain=domain.name,
        selector=domain.dkim_selector,
        private_key_pem=private_key_pem(domain.dkim_private_key_encrypted),
    )


def prepare(email: Email) -> Prepared:
    message = mime.build(email)
    for step in MESSAGE_STEPS:
        message = step(email, message)
    data = sign(email, message.as_bytes(policy=SMTP))
    return Prepared(email=email, envelope_from=return_path.envelope_sender(email.pk), recipient=email.recipient, data=data)
