from django.apps import AppConfig


class ApiusersConfig(AppConfig):
    name = "apiusers"
