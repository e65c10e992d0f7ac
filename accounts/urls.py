"""Console pages of the accounts app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from accounts import views_console

app_name = "accounts"
urlpatterns = [
    path("settings/", views_console.settings_page, name="settings"),
]
