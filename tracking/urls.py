"""Console pages of the tracking app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from tracking import views

app_name = "tracking"
urlpatterns = [
    path("delivery/opens/", views.opens, name="opens"),
    path("delivery/unsubscribes/", views.unsubscribes, name="unsubscribes"),
    path("delivery/unsubscribes/add/", views.unsubscribe_add, name="unsubscribe_add"),
    path("delivery/unsubscribes/<int:pk>/delete/", views.unsubscribe_delete, name="unsubscribe_delete"),
    path("unsubscribe-settings/", views.unsubscribe_settings, name="unsubscribe_settings"),
    path("unsubscribe-settings/<int:pk>/", views.unsubscribe_settings_save, name="unsubscribe_settings_save"),
]
