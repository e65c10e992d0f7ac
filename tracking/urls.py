"""Console pages of the tracking app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "tracking"
urlpatterns: list = []
