"""Console pages of the delivery app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from delivery import views

app_name = "delivery"
urlpatterns = [
    path("delivery/status/", views.email_status, name="status"),
    path("delivery/status/<int:pk>/", views.email_detail, name="status_detail"),
    path("delivery/bounces/", views.bounce_list, name="bounces"),
    path("delivery/bounces/<int:pk>/delete/", views.bounce_delete, name="bounce_delete"),
    path("sandbox/", views.sandbox_list, name="sandbox"),
    path("sandbox/<int:pk>/", views.sandbox_detail, name="sandbox_detail"),
]
