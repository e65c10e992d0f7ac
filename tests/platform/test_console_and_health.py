import pytest
from django.test import override_settings

from sendcloud.celery import app as celery_app
from sendcloud.navigation import PAGES

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "database": {"ok": True, "detail": "ok"},
        "broker": {"ok": True, "detail": "ok"},
    }


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False


def test_every_navigation_page_answers_for_a_logged_in_account(client, account):
    client.force_login(account)
    for slug in PAGES:
        response = client.get(f"/console/{slug}/")
        assert response.status_code == 200, slug


def test_pages_not_built_say_so(client, account):
    client.force_login(account)
    response = client.get("/console/ips/", HTTP_ACCEPT_LANGUAGE="en")
    assert "This page is not built yet." in response.content.decode()
    response = client.get("/console/ips/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "此页面尚未建成。" in response.content.decode()


def test_unknown_console_page_is_404(client, account):
    client.force_login(account)
    assert client.get("/console/no-such-page/").status_code == 404


@override_settings(LANGUAGE_CODE="zh-hans")
def test_language_follows_the_browser(client):
    assert "登录" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert ">Log in<" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_console_stylesheet_is_served(client):
    response = client.get("/static/css/console.css")
    assert response.status_code == 200
    assert b".sidebar" in b"".join(response.streaming_content)


def test_user_manual_shows_the_readme_architecture_and_every_api_page(client, account):
    client.force_login(account)
    page = client.get("/console/manual/").content.decode()
    for name in ["README.md", "docs/architecture.md", "docs/api/delivery.md", "docs/api/smtp.md",
                 "docs/api/domains.md", "docs/api/webhooks.md"]:
        assert f"<h2>{name}</h2>" in page
