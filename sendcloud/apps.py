from django.apps import AppConfig


class SendcloudConfig(AppConfig):
    name = "sendcloud"
    verbose_name = "Platform"

    def ready(self) -> None:
        from sendcloud.apiv2.registry import autodiscover

        autodiscover()
