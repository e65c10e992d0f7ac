"""The /apiv2/ envelope, parameter merging and error rendering, through the real URL dispatcher."""

import pytest

from sendcloud.apiv2 import auth
from sendcloud.apiv2.errors import ApiError
from sendcloud.apiv2.params import Params
from sendcloud.apiv2.registry import ACTIONS, SEND_METHODS, ApiResult, action


@pytest.fixture
def echo_actions():
    @action("test/echo", authenticated=False)
    def echo(request):
        params = request.params
        return {
            "name": params.str("name"),
            "flag": params.bool("flag", default=False, invalid_code=40859),
            "items": params.list("to"),
            "paging": list(params.paging()),
        }

    @action("test/fail", authenticated=False)
    def fail(request):
        raise ApiError(40805, "parameter to")

    @action("test/created", authenticated=False)
    def created(request):
        return ApiResult(info={"maillistTaskId": [1]}, status_code=40821)

    @action("test/send", methods=SEND_METHODS, authenticated=False)
    def send(request):
        return {}

    @action("test/private")
    def private(request):
        return {"account": request.caller}

    @action("test/crash", authenticated=False)
    def crash(request):
        raise RuntimeError("boom")

    yield
    for path in ("test/echo", "test/fail", "test/created", "test/send", "test/private", "test/crash"):
        ACTIONS.pop(path)


def test_success_envelope_merges_query_and_body(client, echo_actions, db):
    response = client.post("/apiv2/test/echo?name=fromquery&to=a@x.com", {"flag": "True", "to": "b@x.com;c@x.com"})
    assert response.status_code == 200
    assert response.json() == {
        "result": True,
        "statusCode": 200,
        "message": "请求成功",
        "info": {"name": "fromquery", "flag": True, "items": ["b@x.com", "c@x.com"], "paging": [0, 100]},
    }


def test_get_works_and_repeated_keys_make_a_list(client, echo_actions, db):
    response = client.get("/apiv2/test/echo?to=a@x.com&to=b@x.com;c@x.com&flag=FALSE&start=5&limit=20")
    assert response.json()["info"] == {"name": "", "flag": False, "items": ["a@x.com", "b@x.com", "c@x.com"], "paging": [5, 20]}


@pytest.mark.parametrize(
    ("query", "code"), [("flag=yes", 40859), ("start=-1", 40002), ("limit=101", 40004), ("limit=x", 40004)]
)
def test_bad_parameters_answer_their_status_code_with_http_200(client, echo_actions, db, query, code):
    response = client.get(f"/apiv2/test/echo?{query}")
    assert response.status_code == 200
    body = response.json()
    assert body["result"] is False
    assert body["statusCode"] == code
    assert body["info"] == {}


def test_api_error_carries_detail(client, echo_actions, db):
    assert client.post("/apiv2/test/fail").json() == {
        "result": False,
        "statusCode": 40805,
        "message": "recipients empty. parameter to",
        "info": {},
    }


def test_success_with_a_non_200_status_code(client, echo_actions, db):
    body = client.post("/apiv2/test/created").json()
    assert body["result"] is True
    assert body["statusCode"] == 40821
    assert body["info"] == {"maillistTaskId": [1]}


def test_send_actions_refuse_get(client, echo_actions, db):
    response = client.get("/apiv2/test/send")
    assert response.status_code == 405
    assert response.json()["result"] is False


def test_unknown_api_path_is_404_in_the_envelope(client, db):
    response = client.post("/apiv2/nosuch/thing")
    assert response.status_code == 404
    assert response.json()["result"] is False


def test_unhandled_error_becomes_501(client, echo_actions, db):
    body = client.post("/apiv2/test/crash").json()
    assert body == {"result": False, "statusCode": 501, "message": "server error", "info": {}}


def test_authenticated_actions_refuse_missing_credentials_with_40005(client, echo_actions, db):
    for response in (
        client.post("/apiv2/test/private"),
        client.post("/apiv2/test/private", {"apiUser": "someone"}),
        client.get("/apiv2/test/private?apiUser=someone&apiKey="),
    ):
        assert response.json() == {"result": False, "statusCode": 40005, "message": "authentication failed", "info": {}}


def test_authenticator_hook_receives_credentials_and_client_ip(client, echo_actions, db, monkeypatch):
    seen = {}

    def authenticator(*, api_user, api_key, client_ip):
        seen.update(api_user=api_user, api_key=api_key, client_ip=client_ip)
        return "caller-1" if api_key == "right" else None

    monkeypatch.setattr(auth, "_authenticator", authenticator)
    assert client.post("/apiv2/test/private?apiKey=right", {"apiUser": "u1"}).json()["info"] == {"account": "caller-1"}
    assert seen == {"api_user": "u1", "api_key": "right", "client_ip": "127.0.0.1"}
    assert client.post("/apiv2/test/private", {"apiUser": "u1", "apiKey": "wrong"}).json()["statusCode"] == 40005


def test_params_int_bounds():
    params = Params.from_dict({"n": "7", "bad": "x"})
    assert params.int("n", invalid_code=1, minimum=0, maximum=10) == 7
    assert params.int("missing", default=3, invalid_code=1) == 3
    with pytest.raises(ApiError) as raised:
        params.int("bad", invalid_code=40015)
    assert raised.value.status_code == 40015
    with pytest.raises(ApiError) as raised:
        params.int("missing", required_code=40014, invalid_code=40015)
    assert raised.value.status_code == 40014
