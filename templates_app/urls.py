"""Console pages of the templates_app app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from templates_app import views

app_name = "templates_app"
urlpatterns = [
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path("labels/", views.label_list, name="label_list"),
    path("labels/<int:label_id>/rename/", views.label_rename, name="label_rename"),
    path("labels/<int:label_id>/delete/", views.label_delete, name="label_delete"),
]
