"""Console pages of the accounts app (mounted under /console/ by sendcloud/urls.py)."""

app_name = "accounts"
urlpatterns: list = []
