"""mail/send and mail/sendtemplate: accept, validate, persist, queue (sendcloud-api-v2.md §2.1, §2.2, §4)."""

import json
import re
import threading

import pytest
from django.db import connection

from apiusers.models import ApiUser
from delivery.models import Email, EmailStatus, Event, EventType, SendRequest, Suppression
from templates_app.models import Label, Template
from tests.delivery.helpers import sender_of, table_counts
from tests.factories import ApiUserFactory, DomainFactory, api_key_for

pytestmark = pytest.mark.django_db

MESSAGE_ID = r"\d{13}_\d+_\d+_\d+\.sc-[A-Za-z0-9_]+-inbound"


@pytest.fixture
def send(api_client, api_user):
    def call(path="mail/send", **data):
        payload = {"from": sender_of(api_user), "subject": "Hello", "html": "<p>Hi</p>", **data}
        return api_client(path, {k: v for k, v in payload.items() if v is not None})

    return call


def test_shared_send_returns_one_email_id_per_address_in_order(send, api_user):
    body = send(to="a@example.com;B <b@Example.COM>", cc="c@example.com", bcc="d@example.com")
    assert body["result"] is True and body["statusCode"] == 200 and body["message"] == "请求成功"
    ids = body["info"]["emailIdList"]
    request = SendRequest.objects.get()
    assert re.fullmatch(MESSAGE_ID, request.message_id)
    assert str(api_user.account_id) == request.message_id.split("_")[1]
    assert ids == [
        f"{request.message_id}0$a@example.com",
        f"{request.message_id}1$b@example.com",
        f"{request.message_id}2$c@example.com",
        f"{request.message_id}3$d@example.com",
    ]
    emails = list(Email.objects.order_by("position"))
    assert [(e.role, e.recipient, e.recipient_name, e.status) for e in emails] == [
        ("to", "a@example.com", "", EmailStatus.REQUESTING),
        ("to", "b@example.com", "B", EmailStatus.REQUESTING),
        ("cc", "c@example.com", "", EmailStatus.REQUESTING),
        ("bcc", "d@example.com", "", EmailStatus.REQUESTING),
    ]
    assert request.to_header == [["", "a@example.com"], ["B", "b@example.com"]]
    assert request.cc_header == [["", "c@example.com"]]
    event = Event.objects.get()
    assert (event.event, event.email_id) == (EventType.REQUEST, None)
    assert event.detail["emailIds"] == ids


def test_display_names_plain_chinese_and_rfc2047(send, api_user):
    send(**{"from": f"=?utf-8?B?5rWL6K+V?= <{sender_of(api_user)}>", "to": "张三 <zhang@example.com>"})
    request = SendRequest.objects.get()
    assert request.from_name == "测试"
    assert request.from_address == sender_of(api_user)
    assert Email.objects.get().recipient_name == "张三"


def test_from_name_parameter_wins_over_the_display_part(send, api_user):
    send(**{"from": f"Display <{sender_of(api_user)}>", "fromName": "发件人", "to": "a@example.com"})
    assert SendRequest.objects.get().from_name == "发件人"


def test_xsmtpapi_makes_one_email_per_recipient_with_its_variables(send):
    xsmtpapi = {
        "to": ["a@example.com", "b@example.com"],
        "sub": {"%name%": ["Ann", "Bob"], "%n%": [1, 2]},
        "pubsub": {"%shop%": "Acme"},
        "filters": {"open_tracking": {"settings": {"enable": "0"}}},
        "settings": None,
    }
    body = send(to="ignored@example.com", cc="ignored2@example.com", xsmtpapi=json.dumps(xsmtpapi))
    emails = list(Email.objects.order_by("position"))
    assert [e.recipient for e in emails] == ["a@example.com", "b@example.com"]
    assert [e.role for e in emails] == ["x", "x"]
    assert emails[0].variables == {"%name%": "Ann", "%n%": "1", "%shop%": "Acme"}
    assert emails[1].variables == {"%name%": "Bob", "%n%": "2", "%shop%": "Acme"}
    assert len(body["info"]["emailIdList"]) == 2
    assert SendRequest.objects.get().filters == {"open_tracking": {"settings": {"enable": "0"}}}


def test_resp_email_id_false_answers_an_empty_info(send):
    body = send(to="a@example.com", respEmailId="False")
    assert body == {"result": True, "statusCode": 200, "message": "请求成功", "info": {}}
    assert Email.objects.count() == 1


def test_one_hundred_recipients_pass_and_one_hundred_and_one_do_not(send):
    hundred = ";".join(f"r{i}@example.com" for i in range(100))
    assert len(send(to=hundred)["info"]["emailIdList"]) == 100
    before = table_counts()
    body = send(to=hundred + ";r100@example.com")
    assert (body["result"], body["statusCode"]) == (False, 40807)
    assert table_counts() == before


def _too_many(n, prefix="r"):
    return ";".join(f"{prefix}{i}@example.com" for i in range(n))


REJECTIONS = [
    ({"from": ""}, 40801),
    ({"from": "not an address"}, 40802),
    ({"from": "someone@another-domain.test"}, 40802),
    ({"fromName": "Bad\r\nBcc: x@evil.test"}, 40804),
    ({"to": ""}, 40805),
    ({"to": "a@example.com;not-an-address"}, 40806),
    ({"to": "a@example.com\r\nBcc: x@evil.test"}, 40806),
    ({"subject": ""}, 40808),
    ({"subject": "Hi\nBcc: x@evil.test"}, 40809),
    ({"replyTo": "bad address"}, 40811),
    ({"replyTo": "a@x.com;b@x.com;c@x.com;d@x.com"}, 40879),
    ({"xsmtpapi": "{not json"}, 40813),
    ({"xsmtpapi": "[1, 2]"}, 40813),
    ({"xsmtpapi": json.dumps({"to": ["a@x.com", "b@x.com"], "sub": {"%n%": ["only one"]}})}, 40817),
    ({"xsmtpapi": json.dumps({"to": [f"r{i}@x.com" for i in range(101)]})}, 40827),
    ({"xsmtpapi": json.dumps({"to": ["nope"]})}, 40880),
    ({"html": "", "plain": ""}, 40870),
    ({"cc": "bad"}, 40853),
    ({"cc": _too_many(101, "c")}, 40854),
    ({"bcc": "bad"}, 40856),
    ({"bcc": _too_many(101, "b")}, 40857),
    ({"headers": "not json"}, 40869),
    ({"headers": json.dumps({"X-Ok": "a\r\nBcc: x@evil.test"})}, 40869),
    ({"headers": json.dumps({"Bad Name": "v"})}, 40869),
    ({"headers": json.dumps({"X-Null": "a\x00b"})}, 40869),
    ({"respEmailId": "maybe"}, 40859),
    ({"contentSummary": "长" * 70}, 40878),
    ({"labelId": "abc"}, 40015),
    ({"labelId": "999999"}, 40106),
    ({"useAddressList": "true"}, 40820),
    ({"embeddedCid": "img1"}, 40875),
]


@pytest.mark.parametrize(("overrides", "code"), REJECTIONS)
def test_rejections_answer_their_code_and_write_nothing(send, overrides, code):
    before = table_counts()
    body = send(**{"to": "a@example.com", **overrides})
    assert body["result"] is False
    assert body["statusCode"] == code, body["message"]
    assert body["info"] == {}
    assert table_counts() == before


def test_another_accounts_label_is_not_found(send, other_account):
    label = Label.objects.create(account=other_account, name="theirs")
    body = send(to="a@example.com", labelId=str(label.pk))
    assert body["statusCode"] == 40106
    assert SendRequest.objects.count() == 0


def test_label_name_creates_the_label_once(send, api_user):
    send(to="a@example.com", labelName="campaign-1")
    send(to="b@example.com", labelName="campaign-1")
    label = Label.objects.get(account=api_user.account)
    assert label.name == "campaign-1"
    assert list(SendRequest.objects.values_list("label_id", flat=True)) == [label.pk, label.pk]


def test_sender_on_an_unverified_domain_is_refused(api_user, send):
    api_user.domain.status = "unverified"
    api_user.domain.save()
    body = send(to="a@example.com")
    assert body["statusCode"] == 40802
    assert SendRequest.objects.count() == 0


def test_suppressed_recipient_becomes_invalid_without_being_queued(send, api_user):
    Suppression.objects.create(account=api_user.account, address="gone@example.com", kind="unsubscribe")
    Suppression.objects.create(account=api_user.account, address="bounced@example.com", kind="bounce")
    body = send(to="gone@example.com;ok@example.com;bounced@example.com")
    assert len(body["info"]["emailIdList"]) == 3
    by_address = {e.recipient: e for e in Email.objects.all()}
    assert (by_address["gone@example.com"].status, by_address["gone@example.com"].sub_status) == (4, 402)
    assert (by_address["bounced@example.com"].status, by_address["bounced@example.com"].sub_status) == (4, 401)
    assert by_address["ok@example.com"].status == EmailStatus.REQUESTING
    invalid = Event.objects.filter(event=EventType.INVALID).order_by("sub_status")
    assert [(e.email.recipient, e.sub_status) for e in invalid] == [
        ("bounced@example.com", 401),
        ("gone@example.com", 402),
    ]


def test_jobs_are_enqueued_only_after_commit(send, django_capture_on_commit_callbacks, settings):
    import redis

    from sendcloud.celery import app as celery_app

    celery_app.control.purge()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(to="a@example.com;b@example.com")
    assert broker.llen("celery") == 0
    for callback in callbacks:
        callback()
    assert broker.llen("celery") == 1  # one job carrying both email ids
    job = json.loads(broker.lindex("celery", 0))
    assert job["headers"]["task"] == "delivery.deliver_emails"
    assert json.loads(__import__("base64").b64decode(job["body"]))[0] == [
        [e.pk for e in Email.objects.order_by("position")]]
    celery_app.control.purge()


def test_quota_exhausted_is_refused_and_writes_nothing(send, api_user):
    ApiUser.objects.filter(pk=api_user.pk).update(daily_quota=2)
    assert send(to="a@example.com;b@example.com")["result"] is True
    before = table_counts()
    body = send(to="c@example.com")
    assert (body["result"], body["statusCode"]) == (False, 40904)
    assert table_counts() == before


def test_send_request_id_is_processed_once_within_the_hour(send):
    first = send(to="a@example.com", sendRequestId="req-1")
    assert first["result"] is True
    before = table_counts()
    again = send(to="a@example.com", sendRequestId="req-1")
    assert (again["result"], again["statusCode"]) == (False, 40000)
    assert table_counts() == before


@pytest.mark.django_db(transaction=True)
def test_send_request_id_replayed_concurrently_is_accepted_once(api_user, live_server):
    import requests

    url = f"{live_server.url}/apiv2/mail/send"
    payload = {
        "apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "from": sender_of(api_user),
        "to": "a@example.com", "subject": "Hi", "html": "x", "sendRequestId": "same-id",
    }
    barrier = threading.Barrier(2)
    answers = []

    def post():
        barrier.wait()
        answers.append(requests.post(url, data=payload, timeout=30).json()["statusCode"])

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 40000]
    assert SendRequest.objects.count() == 1
    connection.close()


def test_multipart_with_two_attachments_and_an_inline_image_over_http(api_user, live_server, transactional_db):
    import requests

    files = [
        ("attachments", ("report.pdf", b"%PDF-1.4 fake", "application/pdf")),
        ("attachments", ("数据.csv", b"a,b\n1,2\n", "text/csv")),
        ("embeddedImage", ("logo.png", b"\x89PNG\r\n\x1a\nxx", "image/png")),
    ]
    data = {
        "apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "from": sender_of(api_user),
        "to": "a@example.com", "subject": "Files", "html": '<img src="cid:logo1">', "embeddedCid": "logo1",
    }
    body = requests.post(f"{live_server.url}/apiv2/mail/send", data=data, files=files, timeout=30).json()
    assert body["result"] is True, body
    attachments = list(SendRequest.objects.get().attachments.order_by("id"))
    assert [(a.filename, a.content_type, bytes(a.data), a.content_id) for a in attachments] == [
        ("report.pdf", "application/pdf", b"%PDF-1.4 fake", ""),
        ("数据.csv", "text/csv", b"a,b\n1,2\n", ""),
        ("logo.png", "image/png", b"\x89PNG\r\n\x1a\nxx", "logo1"),
    ]


def test_attachments_over_ten_megabytes_are_refused(api_user, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.bin", b"x" * 10_485_761, content_type="application/octet-stream")
    body = client.post("/apiv2/mail/send", {
        "apiUser": api_user.name, "apiKey": api_key_for(api_user.name), "from": sender_of(api_user),
        "to": "a@example.com", "subject": "Big", "html": "x", "attachments": big,
    }).json()
    assert body["statusCode"] == 40819
    assert SendRequest.objects.count() == 0


def test_credentials_in_the_query_string_of_a_post(client, api_user):
    body = client.post(
        f"/apiv2/mail/send?apiUser={api_user.name}&apiKey={api_key_for(api_user.name)}",
        {"from": sender_of(api_user), "to": "a@example.com", "subject": "Hi", "plain": "x"},
    ).json()
    assert body["result"] is True


def test_mail_send_refuses_get(client, api_user):
    response = client.get("/apiv2/mail/send", {"apiUser": api_user.name, "apiKey": api_key_for(api_user.name)})
    assert response.status_code == 405
    assert SendRequest.objects.count() == 0


# --- mail/sendtemplate -----------------------------------------------------------------------


@pytest.fixture
def template(api_user):
    return Template.objects.create(
        account=api_user.account, name="Welcome", invoke_name="welcome", template_type=0, template_stat=1,
        subject="Welcome %name%", html="<p>Hello %name%</p>", plain="Hello %name%",
    )


def test_sendtemplate_uses_the_template_and_xsmtpapi_recipients(send, template):
    xsmtpapi = json.dumps({"to": ["a@example.com", "b@example.com"], "sub": {"%name%": ["Ann", "<Bob>"]}})
    body = send("mail/sendtemplate", templateInvokeName="welcome", subject=None, html=None, xsmtpapi=xsmtpapi)
    assert body["result"] is True
    request = SendRequest.objects.get()
    assert (request.subject, request.html, request.template_invoke_name) == (
        "Welcome %name%", "<p>Hello %name%</p>", "welcome")
    assert [e.variables for e in Email.objects.order_by("position")] == [{"%name%": "Ann"}, {"%name%": "<Bob>"}]


def test_sendtemplate_subject_parameter_overrides_the_templates(send, template):
    send("mail/sendtemplate", templateInvokeName="welcome", subject="Custom", html=None,
         xsmtpapi=json.dumps({"to": ["a@example.com"]}))
    assert SendRequest.objects.get().subject == "Custom"


@pytest.mark.parametrize(
    ("change", "params", "code"),
    [
        ({}, {"templateInvokeName": "missing"}, 40823),
        ({"template_stat": 0}, {}, 40824),
        ({"template_type": 1}, {}, 40825),
        ({"subject": ""}, {}, 40826),
        ({}, {"xsmtpapi": None, "to": "a@example.com"}, 40815),
        ({}, {"templateInvokeName": ""}, 40201),
    ],
)
def test_sendtemplate_rejections(send, template, change, params, code):
    Template.objects.filter(pk=template.pk).update(**change)
    before = table_counts()
    payload = {"templateInvokeName": "welcome", "subject": None, "html": None,
               "xsmtpapi": json.dumps({"to": ["a@example.com"]}), **params}
    body = send("mail/sendtemplate", **payload)
    assert (body["result"], body["statusCode"]) == (False, code)
    assert table_counts() == before


def test_another_accounts_template_is_not_found(send, other_account):
    Template.objects.create(account=other_account, name="T", invoke_name="theirs", template_type=0,
                            template_stat=1, subject="S", html="h", plain="p")
    body = send("mail/sendtemplate", templateInvokeName="theirs", xsmtpapi=json.dumps({"to": ["a@example.com"]}))
    assert body["statusCode"] == 40823


def test_batch_api_user_sends_batch_templates(client, account):
    batch_user = ApiUserFactory(account=account, email_type=1, domain=DomainFactory(account=account))
    Template.objects.create(account=account, name="N", invoke_name="news", template_type=1, template_stat=1,
                            subject="S", html="h", plain="p")
    body = client.post("/apiv2/mail/sendtemplate", {
        "apiUser": batch_user.name, "apiKey": api_key_for(batch_user.name), "from": sender_of(batch_user),
        "templateInvokeName": "news", "xsmtpapi": json.dumps({"to": ["a@example.com"]}),
    }).json()
    assert body["result"] is True
    assert SendRequest.objects.get().email_type == 1
