from django.apps import AppConfig

# How often the beat job re-checks every domain's DNS records.
RECHECK_INTERVAL_SECONDS = 3600.0


class DomainsConfig(AppConfig):
    name = "domains"

    def ready(self) -> None:
        from django.conf import settings

        # Mutate the dict in place: Celery may already hold a reference to it.
        settings.CELERY_BEAT_SCHEDULE["domains.recheck-all"] = {
            "task": "domains.tasks.recheck_all_domains",
            "schedule": RECHECK_INTERVAL_SECONDS,
        }
