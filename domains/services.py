"""Writes for sending domains."""

from __future__ import annotations

import secrets

from django.conf import settings

from accounts.models import User
from domains.models import Domain, DomainStatus


def create_test_domain(*, account: User) -> Domain:
    """The account's test domain ``<random>.<PLATFORM_DOMAIN>``, treated as verified (product.md §1)."""
    name = f"{secrets.token_hex(4)}.{settings.PLATFORM_DOMAIN}"
    return Domain.objects.create(account=account, name=name, status=DomainStatus.VERIFIED, is_test=True)
