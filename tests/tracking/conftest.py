"""Tracking tests reuse the delivery fixtures (a real SMTP sink as MX, a DKIM-signing domain)."""

import pytest

from tests.delivery.conftest import empty_delivery_queue, fresh_routes, signing_domain, smtp_sink  # noqa: F401
from tests.delivery.helpers import sender_of


@pytest.fixture
def tracking_settings(settings):
    """Links on the Django test client's host, so the test client can follow them."""
    settings.PUBLIC_URL = "http://testserver"
    settings.PLATFORM_DOMAIN = "sendcloud.test"
    return settings


@pytest.fixture
def send(api_client, api_user):
    """mail/send from the api_user; returns the accepted Email rows in emailId order."""
    from delivery.models import Email

    def call(**data):
        payload = {"from": sender_of(api_user), "subject": "Hello", "to": "a@rcpt.example.test", **data}
        body = api_client("mail/send", payload)
        assert body["result"] is True, body
        return list(Email.objects.filter(email_id__in=body["info"]["emailIdList"]).order_by("position"))

    return call


@pytest.fixture
def prepared(send, tracking_settings):
    """Send one email and build its final message (MIME + tracking + signature) without delivering it."""
    import email
    from email.policy import default as default_policy

    from delivery import pipeline
    from delivery.models import Email

    def call(**data):
        row = send(**data)[0]
        row = Email.objects.select_related("request__api_user__domain", "account").get(pk=row.pk)
        result = pipeline.prepare(row)
        return row, email.message_from_bytes(result.data, policy=default_policy), result.data

    return call
