"""Writes behind the console pages of 投递回应 that the delivery services do not already offer."""

from __future__ import annotations

from delivery.console_selectors import access_bounce


def delete_bounce(*, account, bounce_pk: int) -> str:
    """Take one address off the account's bounce list (404 for another account's entry); returns the address.

    Mail to the address is accepted again at once; a later hard bounce puts it back on the list.
    """
    entry = access_bounce(account=account, bounce_pk=bounce_pk)
    entry.delete()
    return entry.address
