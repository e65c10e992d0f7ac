"""/apiv2/ authentication: 40005 on wrong credentials, the 15-minute grace of a replaced key, lock-out."""

import datetime

import pytest

from apiusers import credentials, services
from tests.factories import ApiUserFactory, api_key_for

pytestmark = pytest.mark.django_db

AUTH_FAILED = {"result": False, "statusCode": 40005, "message": "authentication failed", "info": {}}
LOCKED_OUT = {
    "result": False,
    "statusCode": 40005,
    "message": "authentication failed. Too many failed attempts: try again in 15 minutes.",
    "info": {},
}


def call(client, method="post", query="", **data):
    response = getattr(client, method)(f"/apiv2/userinfo/get{query}", data)
    assert response.status_code == 200
    return response.json()


def test_right_credentials_by_post_get_and_in_the_query_string(client, api_user):
    key = api_key_for(api_user.name)
    assert call(client, apiUser=api_user.name, apiKey=key)["result"] is True
    assert call(client, "get", apiUser=api_user.name, apiKey=key)["result"] is True
    assert call(client, query=f"?apiUser={api_user.name}&apiKey={key}")["result"] is True
    assert call(client, query=f"?apiKey={key}", apiUser=api_user.name)["result"] is True


@pytest.mark.parametrize("method", ["post", "get"])
def test_wrong_or_missing_credentials_answer_40005(client, api_user, method):
    key = api_key_for(api_user.name)
    assert call(client, method, apiUser=api_user.name, apiKey=key + "x") == AUTH_FAILED
    assert call(client, method, apiUser=api_user.name.upper(), apiKey=key) == AUTH_FAILED
    assert call(client, method, apiUser="nobody_here", apiKey=key) == AUTH_FAILED
    assert call(client, method, apiUser=api_user.name) == AUTH_FAILED
    assert call(client, method, apiKey=key) == AUTH_FAILED
    assert call(client, method, query=f"?apiUser={api_user.name}&apiKey=wrong") == AUTH_FAILED


def test_inactive_account_cannot_authenticate(client, api_user):
    api_user.account.is_active = False
    api_user.account.save()
    assert call(client, apiUser=api_user.name, apiKey=api_key_for(api_user.name)) == AUTH_FAILED


def test_old_key_works_within_the_grace_and_is_refused_after(client, api_user, monkeypatch):
    old_key = api_key_for(api_user.name)
    start = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    clock = {"now": start}
    monkeypatch.setattr(credentials, "_now", lambda: clock["now"])
    new_key = services.regenerate_api_key(api_user=api_user, now=start)

    clock["now"] = start + datetime.timedelta(minutes=14, seconds=59)
    assert call(client, apiUser=api_user.name, apiKey=old_key)["result"] is True
    assert call(client, apiUser=api_user.name, apiKey=new_key)["result"] is True
    clock["now"] = start + datetime.timedelta(minutes=15)
    assert call(client, apiUser=api_user.name, apiKey=old_key) == AUTH_FAILED
    assert call(client, apiUser=api_user.name, apiKey=new_key)["result"] is True


def test_authenticate_directly_with_a_clock(api_user):
    start = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    old_key = api_key_for(api_user.name)
    services.regenerate_api_key(api_user=api_user, now=start)
    within = start + datetime.timedelta(minutes=10)
    after = start + datetime.timedelta(minutes=16)
    assert credentials.authenticate(api_user=api_user.name, api_key=old_key, now=within) == api_user
    assert credentials.authenticate(api_user=api_user.name, api_key=old_key, now=after) is None


def test_thresholds_are_module_constants():
    assert credentials.FAILURE_LIMIT == 20
    assert credentials.FAILURE_WINDOW == datetime.timedelta(minutes=15)
    assert credentials.PREVIOUS_KEY_GRACE == datetime.timedelta(minutes=15)
    assert credentials.KEY_BYTES * 8 >= 128


def test_repeated_failures_for_one_api_user_lock_it_out_until_the_window_passes(client, api_user, monkeypatch):
    start = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    clock = {"now": start}
    monkeypatch.setattr(credentials, "_now", lambda: clock["now"])
    key = api_key_for(api_user.name)
    for number in range(credentials.FAILURE_LIMIT):
        # Spread over many IPs: the per-API_USER counter alone locks the name.
        body = client.post("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": "wrong"}, REMOTE_ADDR=f"10.0.0.{number}")
        assert body.json() == AUTH_FAILED
    refused = client.post("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": key}, REMOTE_ADDR="10.0.1.1")
    assert refused.json() == LOCKED_OUT  # even the right key, from a new IP
    # Another API_USER from a fresh IP is not affected.
    other = ApiUserFactory()
    fine = client.post("/apiv2/userinfo/get", {"apiUser": other.name, "apiKey": api_key_for(other.name)}, REMOTE_ADDR="10.0.1.2")
    assert fine.json()["result"] is True

    clock["now"] = start + datetime.timedelta(minutes=14, seconds=59)
    assert call(client, apiUser=api_user.name, apiKey=key) == LOCKED_OUT
    clock["now"] = start + datetime.timedelta(minutes=15)
    assert call(client, apiUser=api_user.name, apiKey=key)["result"] is True


def test_repeated_failures_from_one_ip_lock_that_ip_out(client, api_user, monkeypatch):
    start = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    clock = {"now": start}
    monkeypatch.setattr(credentials, "_now", lambda: clock["now"])
    for number in range(credentials.FAILURE_LIMIT - 1):
        assert call(client, apiUser=f"guess_{number}", apiKey="wrong") == AUTH_FAILED
    key = api_key_for(api_user.name)
    assert call(client, apiUser=api_user.name, apiKey=key)["result"] is True  # 19 failures: still open
    assert call(client, apiUser="guess_last", apiKey="wrong") == AUTH_FAILED  # the 20th
    assert call(client, apiUser=api_user.name, apiKey=key) == LOCKED_OUT
    other_ip = client.post("/apiv2/userinfo/get", {"apiUser": api_user.name, "apiKey": key}, REMOTE_ADDR="192.0.2.7")
    assert other_ip.json()["result"] is True
    clock["now"] = start + datetime.timedelta(minutes=15, seconds=1)
    assert call(client, apiUser=api_user.name, apiKey=key)["result"] is True


def test_a_locked_out_attempt_does_not_look_at_the_key(api_user, monkeypatch):
    now = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    for _ in range(credentials.FAILURE_LIMIT):
        assert credentials.authenticate(api_user=api_user.name, api_key="wrong", client_ip="", now=now) is None
    checked = []
    monkeypatch.setattr(credentials, "key_matches", lambda *args, **kwargs: checked.append(1) or True)
    with pytest.raises(credentials.LockedOut) as raised:
        credentials.authenticate(api_user=api_user.name, api_key=api_key_for(api_user.name), now=now)
    assert raised.value.status_code == 40005
    assert checked == []
