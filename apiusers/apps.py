from django.apps import AppConfig


class ApiusersConfig(AppConfig):
    name = "apiusers"
    verbose_name = "API_USER"

    def ready(self) -> None:
        from apiusers.credentials import authenticate
        from sendcloud.apiv2.auth import set_authenticator

        set_authenticator(authenticate)
