import pytest

from sendcloud.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def empty_delivery_queue():
    """Jobs enqueued by tests go to the real Redis broker; no worker runs them, so drop them."""
    celery_app.control.purge()
    yield
    celery_app.control.purge()
