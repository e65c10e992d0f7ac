"""What the SMTP ingress answers, as plain functions the protocol handler calls and tests call
without a socket (engineering.md practice 7).  Each returns (or raises ``Refusal`` with) a complete
SMTP reply line; functions that touch the database are run by the server in a worker thread.

Policy (targets S1, S2, S8):

* AUTH LOGIN / PLAIN with API_USER (or ``API_USER#labelId``) and API_KEY, only over TLS.  Failures are
  answered 535 5.7.8 after a delay; ``apiusers.credentials.authenticate`` counts them per client IP
  and per API_USER and locks both out (454 4.7.0) after too many.
* Authenticated: MAIL FROM must be on the API_USER's domain (which must be usable); each RCPT must be
  a plain ``local@domain.tld`` address (no source routes, percent hacks, bang paths, quoted local
  parts or address literals); at most 100 recipients per message (452 4.5.3 for the rest).
* Unauthenticated: MAIL FROM is taken, every RCPT is refused: 550 5.7.1 "relaying denied", or, for
  the platform's own domain (bounce addresses, replies), 550 5.7.1 "inbound mail is not handled yet".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from apiusers import credentials
from apiusers.models import ApiUser
from delivery import services
from delivery.addresses import AddressError, parse_mailbox
from delivery.models import Source
from delivery.services import OutgoingMessage
from ingress import parsing
from ingress.replies import Refusal, for_api_error, reply
from sendcloud.apiv2.errors import ApiError

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100

AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_INVALID = "535 5.7.8 Authentication credentials invalid"


@dataclass(frozen=True)
class Login:
    """An authenticated SMTP session: the API_USER and the label chosen with ``API_USER#labelId``."""

    api_user: ApiUser
    label_id: int | None = None


@dataclass(frozen=True)
class AuthDecision:
    login: Login | None
    reply: str


# --- AUTH -------------------------------------------------------------------------------------


def split_user_name(text: str) -> tuple[str, int | None]:
    """``API_USER#labelId`` -> (API_USER, labelId); raises ValueError for a label that is not a number."""
    name, hash_sign, label = text.partition("#")
    if not hash_sign:
        return name, None
    if not label.isascii() or not label.isdigit() or int(label) < 1:
        raise ValueError(f"the label id after '#' must be a positive number, not {label!r}")
    return name, int(label)


def authenticate(*, user_name: bytes, password: bytes, client_ip: str) -> AuthDecision:
    """Check API_USER / API_KEY (database and cache: run in a worker thread)."""
    try:
        name, label_id = split_user_name(user_name.decode("utf-8"))
        api_key = password.decode("utf-8")
    except UnicodeDecodeError:
        return AuthDecision(None, AUTH_INVALID)
    except ValueError as error:
        return AuthDecision(None, reply("535 5.7.8", f"Authentication credentials invalid: {error}"))
    try:
        api_user = credentials.authenticate(api_user=name, api_key=api_key, client_ip=client_ip)
    except ApiError:  # locked out after repeated failures (40005), without the key being checked
        minutes = int(credentials.FAILURE_WINDOW.total_seconds() // 60)
        return AuthDecision(
            None, reply("454 4.7.0", f"Too many failed authentication attempts: try again in {minutes} minutes")
        )
    if api_user is None:
        return AuthDecision(None, AUTH_INVALID)
    return AuthDecision(Login(api_user=api_user, label_id=label_id), AUTH_OK)


# --- MAIL and RCPT ------------------------------------------------------------------------------


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a plain ``local@domain.tld`` mailbox we take in an envelope, or None."""
    if address.startswith("@"):
        return "source routes are not accepted"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "not an e-mail address"
    if local.startswith('"'):
        return "quoted local parts are not accepted"
    if "%" in local or "!" in local:
        return "percent-hack and bang-path addresses are not accepted"
    if domain.startswith("["):
        return "address literals are not accepted"
    if any(ch.isspace() or not ch.isprintable() for ch in address):
        return "not an e-mail address"
    if "." not in domain.strip("."):
        return "the domain must be a fully qualified name"
    try:
        parse_mailbox(address)
    except AddressError:
        return "not an e-mail address"
    return None


def is_platform_address(address: str) -> bool:
    """Addresses at the platform's own domain: bounce+<token>@, replies (inbound, a later issue)."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    platform = settings.PLATFORM_DOMAIN
    return domain == platform or domain.endswith("." + platform)


def mail_from(*, login: Login | None, address: str) -> str:
    """The reply to MAIL FROM; a 2xx reply means the sender is taken."""
    problem = address_problem(address)
    if problem:
        return reply("553 5.1.7", f"Bad sender address <{address}>: {problem}")
    if login is not None:
        domain = login.api_user.domain
        if address.rpartition("@")[2].lower() != domain.name:
            return reply("550 5.7.1", f"Sender <{address}> is not on the API_USER's domain {domain.name}")
        if not domain.can_send:
            return reply("550 5.7.1", f"The domain {domain.name} is not verified: it cannot send yet")
    # Unauthenticated: decided per recipient (nothing unauthenticated is accepted at RCPT).
    return reply("250 2.1.0", f"sender <{address}> OK")


def rcpt_to(*, login: Login | None, address: str, accepted: list[str]) -> str:
    """The reply to RCPT TO, given the recipients already ``accepted`` in this transaction."""
    problem = address_problem(address)
    if problem:
        return reply("553 5.1.3", f"Bad recipient address <{address}>: {problem}")
    if login is None:
        if is_platform_address(address):
            return reply("550 5.7.1", f"Inbound mail for <{address}> is not handled yet")
        return reply("550 5.7.1", "Relaying denied: authenticate with AUTH (API_USER / API_KEY) to send mail")
    if len(accepted) >= MAX_RECIPIENTS:
        return reply("452 4.5.3", f"Too many recipients: at most {MAX_RECIPIENTS} per message")
    return reply("250 2.1.5", f"recipient <{address}> OK")


def is_positive(smtp_reply: str) -> bool:
    return smtp_reply.startswith("2")


# --- DATA ---------------------------------------------------------------------------------------


def message_from_data(*, login: Login, data: bytes, mail_from_address: str, rcpt_tos: list[str]) -> OutgoingMessage:
    """The message to accept, or ``Refusal`` (line too long, unparseable, bad X-SMTPAPI, ...)."""
    if parsing.too_long_line(data):
        raise Refusal(reply("500 5.5.6", "Line too long: at most 1000 bytes per line (RFC 5321 4.5.3.1.6)"))
    return parsing.parse_submission(
        data=data, rcpt_tos=rcpt_tos, envelope_sender=mail_from_address, label_id=login.label_id
    )


def submit(*, login: Login, message: OutgoingMessage) -> str:
    """Store through the intake service (committed when this returns): ``250 #<messageId>#Queued``.

    Database: run in a worker thread.  ``accept`` is atomic, so a refusal or an unexpected error
    leaves nothing stored; the latter is answered 451 4.3.0 so the client tries again.
    """
    try:
        request = services.accept(api_user=login.api_user, message=message, source=Source.SMTP)
    except ApiError as error:
        return for_api_error(error)
    return f"250 #{request.message_id}#Queued"


def receive(*, login: Login, data: bytes, mail_from_address: str, rcpt_tos: list[str]) -> str:
    """DATA from parse to stored: the reply to the final dot."""
    try:
        message = message_from_data(login=login, data=data, mail_from_address=mail_from_address, rcpt_tos=rcpt_tos)
    except Refusal as refusal:
        return refusal.reply
    return submit(login=login, message=message)
