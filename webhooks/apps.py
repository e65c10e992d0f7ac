from django.apps import AppConfig
from django.conf import settings

SWEEP_EVERY_SECONDS = 30


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from delivery.events import on_events
        from webhooks.listener import on_new_events

        on_events(on_new_events)
        settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
            "task": "webhooks.sweep",
            "schedule": SWEEP_EVERY_SECONDS,
        }
