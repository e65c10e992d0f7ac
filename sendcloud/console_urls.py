"""/console/: each app's pages, then the manual, then the placeholder for pages not built yet."""

from django.urls import include, path

from sendcloud import views

app_name = "console"

APPS_WITH_PAGES = ["accounts", "domains", "apiusers", "templates_app", "delivery", "tracking", "webhooks"]

urlpatterns = [
    path("", views.home, name="home"),
    *[path("", include(f"{app}.urls")) for app in APPS_WITH_PAGES],
    path("manual/", views.manual, name="manual"),
    path("<path:slug>/", views.placeholder, name="placeholder"),
]
