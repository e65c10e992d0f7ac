"""The tracking endpoints (mounted at ``/t/`` by sendcloud/urls.py); see tracking.public_views."""

from django.urls import path

from tracking import public_views

app_name = "tracking_public"
urlpatterns = [
    path("o/<str:token>", public_views.open_pixel, name="open"),
    path("c/<str:token>", public_views.click, name="click"),
    path("u/<str:token>", public_views.unsubscribe_page, name="unsubscribe"),
    path("u/<str:token>/one-click", public_views.one_click, name="one_click"),
]
