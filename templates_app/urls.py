"""Console pages of the templates_app app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "templates_app"
urlpatterns: list = []
