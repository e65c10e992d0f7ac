"""Console pages of the apiusers app (mounted under /console/ by sendcloud/urls.py)."""

from django.urls import path

from apiusers import views

app_name = "apiusers"
urlpatterns = [
    path("apiusers/", views.api_user_list, name="list"),
    path("apiusers/new/", views.api_user_create, name="create"),
    path("apiusers/<int:pk>/edit/", views.api_user_edit, name="edit"),
    path("apiusers/<int:pk>/tracking/", views.api_user_tracking, name="tracking"),
    path("apiusers/<int:pk>/regenerate/", views.api_user_regenerate, name="regenerate"),
]
