from django.contrib import admin
from django.urls import include, path

from sendcloud import views
from sendcloud.apiv2 import views as apiv2_views

urlpatterns = [
    path("", views.root, name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.account_urls")),
    path("console/", include("sendcloud.console_urls")),
    path("apiv2/<path:path>", apiv2_views.dispatch, name="apiv2"),
    path("t/", include("tracking.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
