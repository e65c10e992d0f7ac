import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def register(client, email="new@example.com", password="S3cure-pass!", again=None):
    return client.post(
        reverse("accounts:register"),
        {"email": email, "password": password, "password_again": again or password},
    )


def login(client, email, password=DEFAULT_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_registration_creates_an_inactive_account_and_mails_the_activation_link(client, mailoutbox):
    response = register(client)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.is_active is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.com"]
    assert re.search(r"/accounts/activate/[^/]+/[^/]+/", mailoutbox[0].body)


def test_registration_refusals_write_nothing(client, account, mailoutbox):
    cases = [
        ("not-an-email", "S3cure-pass!", None),
        ("x@example.com", "S3cure-pass!", "different-pass!"),
        ("x@example.com", "123", None),
        (account.email, "S3cure-pass!", None),
    ]
    for email, password, again in cases:
        response = register(client, email, password, again)
        assert response.status_code == 200, email
    assert User.objects.count() == 1
    assert mailoutbox == []
    response = register(client, account.email.upper())
    assert "already exists" in response.content.decode()


def test_unactivated_account_cannot_log_in_and_is_told_why(client, mailoutbox):
    register(client)
    response = login(client, "new@example.com", "S3cure-pass!")
    assert response.status_code == 200
    assert "not activated yet" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_activation_link_activates_once_and_bad_links_are_refused(client, mailoutbox):
    register(client)
    path = re.search(r"/accounts/activate/[^/]+/[^/]+/", mailoutbox[0].body).group(0)
    uid = path.split("/")[3]
    bad = client.get(f"/accounts/activate/{uid}/bad-token/")
    assert bad.status_code == 400
    assert User.objects.get(email="new@example.com").is_active is False
    assert client.get(path).status_code == 200
    assert User.objects.get(email="new@example.com").is_active is True
    assert login(client, "new@example.com", "S3cure-pass!").status_code == 302


def test_login_logout_and_console_requires_login(client, account):
    assert client.get("/console/").status_code == 302
    response = login(client, account.email)
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get("/console/").status_code == 302


def test_ten_failed_logins_lock_the_account_out_for_everyone(client, account):
    for _ in range(9):
        assert login(client, account.email, "wrong-password").status_code == 200
    tenth = login(client, account.email, "wrong-password")
    assert tenth.status_code == 429
    locked = login(client, account.email)  # even the right password is refused now
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_nine_failures_then_success_still_logs_in(client, account):
    for _ in range(9):
        login(client, account.email, "wrong-password")
    assert login(client, account.email).status_code == 302


def test_password_change(client, account):
    client.force_login(account)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "An0ther-pass!", "new_password2": "An0ther-pass!"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("An0ther-pass!")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, account, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": account.email})
    assert len(mailoutbox) == 1
    path = re.search(r"/accounts/password/reset/[^/]+/[^/]+/", mailoutbox[0].body).group(0)
    form_url = client.get(path)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": "Res3t-pass!!", "new_password2": "Res3t-pass!!"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("Res3t-pass!!")


def test_createaccount_prints_json_and_refuses_a_duplicate(capsys):
    call_command("createaccount", email="a@example.com", password="S3cure-pass!")
    printed = json.loads(capsys.readouterr().out)
    user = User.objects.get(email="a@example.com")
    assert printed["email"] == "a@example.com"
    assert printed["id"] == user.pk
    assert printed["active"] is True
    assert user.check_password("S3cure-pass!")

    with pytest.raises(CommandError, match="already exists"):
        call_command("createaccount", email="a@example.com", password="Other-pass-99!")
    assert User.objects.count() == 1
    assert User.objects.get(email="a@example.com").check_password("S3cure-pass!")


def test_createaccount_prints_the_test_api_user_and_its_key_which_works(capsys, client, settings):
    from apiusers.models import ApiUser

    call_command("createaccount", email="dev@example.com", password="S3cure-pass!")
    printed = json.loads(capsys.readouterr().out)
    user = User.objects.get(email="dev@example.com")
    api_user = ApiUser.objects.get(account=user)
    assert printed["apiUser"] == api_user.name
    assert printed["testDomain"] == api_user.domain.name
    assert printed["testDomain"].endswith("." + settings.PLATFORM_DOMAIN)
    assert (api_user.is_test, api_user.email_type, api_user.daily_quota) == (True, 0, 200)
    assert api_user.domain.is_test is True
    assert len(printed["apiKey"]) >= 32
    assert printed["apiKey"] not in api_user.key_hash
    body = client.post("/apiv2/userinfo/get", {"apiUser": printed["apiUser"], "apiKey": printed["apiKey"]}).json()
    assert body["result"] is True
    assert (body["info"]["quota"], body["info"]["todayUsedQuota"], body["info"]["email"]) == (200, 0, "dev@example.com")


def test_registration_gives_the_account_its_test_domain_and_test_api_user(client, mailoutbox):
    from apiusers.models import ApiUser

    register(client, "reg@example.com")
    user = User.objects.get(email="reg@example.com")
    api_user = ApiUser.objects.get(account=user)
    assert (api_user.is_test, api_user.daily_quota) == (True, 200)
    assert list(user.domains.values_list("is_test", flat=True)) == [True]


def test_a_refused_registration_creates_no_test_credentials(client, account, mailoutbox):
    from apiusers.models import ApiUser
    from domains.models import Domain

    register(client, account.email)
    assert ApiUser.objects.count() == 0
    assert Domain.objects.count() == 0
