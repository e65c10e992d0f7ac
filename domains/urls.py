"""Console pages of the domains app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "domains"
urlpatterns: list = []
