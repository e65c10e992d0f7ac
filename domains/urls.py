"""Console pages of the domains app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path, re_path

from domains import views

app_name = "domains"
urlpatterns = [
    path("domains/", views.domain_list, name="list"),
    path("domains/add/", views.domain_add, name="add"),
    path("domains/<int:pk>/", views.domain_detail, name="detail"),
    path("domains/<int:pk>/check/", views.domain_check, name="check"),
    path("domains/<int:pk>/rename/", views.domain_rename, name="rename"),
    path("domains/<int:pk>/delete/", views.domain_delete, name="delete"),
    re_path(r"^domains/(?P<pk>\d+)/export\.(?P<extension>csv|xlsx)$", views.domain_export, name="export"),
    path("tracking/", views.tracking_list, name="tracking_list"),
    path("tracking/add/", views.tracking_add, name="tracking_add"),
    path("tracking/<int:pk>/", views.tracking_detail, name="tracking_detail"),
    path("tracking/<int:pk>/check/", views.tracking_check, name="tracking_check"),
    path("tracking/<int:pk>/certificate/", views.tracking_certificate, name="tracking_certificate"),
    path(
        "tracking/<int:pk>/certificate/remove/",
        views.tracking_certificate_remove,
        name="tracking_certificate_remove",
    ),
    path("tracking/<int:pk>/delete/", views.tracking_delete, name="tracking_delete"),
]
