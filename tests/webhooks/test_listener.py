"""The event listener: hooked into delivery.events, it only enqueues a job carrying event ids, and costs one
query when the account has no webhook."""

import pytest

from delivery.models import Event
from tests.delivery.helpers import sender_of
from webhooks import listener, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.fan_out, "delay", lambda ids: sent.append(ids))
    return sent


def send(api_client, api_user):
    body = api_client("mail/send", {"from": sender_of(api_user), "subject": "Hi", "html": "x", "to": "a@b.example"})
    assert body["result"] is True


def test_without_webhooks_nothing_is_enqueued_after_one_query(api_client, api_user, jobs,
                                                               django_capture_on_commit_callbacks,
                                                               django_assert_num_queries):
    with django_capture_on_commit_callbacks() as callbacks:
        send(api_client, api_user)
    ids = list(Event.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        listener.on_new_events(ids)
    for callback in callbacks:
        callback()
    assert jobs == []


def test_with_a_webhook_the_new_event_ids_are_enqueued_after_commit(api_client, api_user, jobs, receiver,
                                                                    make_webhook, django_capture_on_commit_callbacks):
    make_webhook(receiver.url, events=["request"])
    with django_capture_on_commit_callbacks(execute=True):
        send(api_client, api_user)
    assert jobs == [list(Event.objects.values_list("pk", flat=True))]
    assert [r.method for r in receiver.requests] == ["GET", "POST"]  # the URL test only: no HTTP inline


def test_the_listener_is_registered_and_the_sweep_scheduled(settings):
    from delivery import events

    assert listener.on_new_events in events._listeners
    assert settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"] == {"task": "webhooks.sweep", "schedule": 30}
