from django.apps import AppConfig
from django.conf import settings

SWEEP_EVERY_SECONDS = 30


class DeliveryConfig(AppConfig):
    name = "delivery"

    def ready(self) -> None:
        settings.CELERY_BEAT_SCHEDULE["delivery-sweep"] = {
            "task": "delivery.sweep",
            "schedule": SWEEP_EVERY_SECONDS,
        }
