"""Console pages of the webhooks app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "webhooks"
urlpatterns: list = []
