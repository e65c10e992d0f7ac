"""Console pages of the apiusers app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "apiusers"
urlpatterns: list = []
