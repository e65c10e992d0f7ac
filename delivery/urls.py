"""Console pages of the delivery app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "delivery"
urlpatterns: list = []
