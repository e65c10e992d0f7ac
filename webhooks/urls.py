"""Console pages of the webhooks app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("webhooks/", views.webhook_list, name="list"),
    path("webhooks/new/", views.webhook_create, name="create"),
    path("webhooks/app-key/", views.app_key_regenerate, name="app_key"),
    path("webhooks/<int:pk>/edit/", views.webhook_edit, name="edit"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("webhooks/<int:pk>/refresh/", views.webhook_refresh, name="refresh"),
    path("webhooks/<int:pk>/simulate/", views.webhook_simulate, name="simulate"),
    path("webhooks/<int:pk>/log/", views.webhook_log, name="log"),
    path("webhooks/<int:pk>/replay/", views.webhook_replay, name="replay"),
]
