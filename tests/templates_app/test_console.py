"""Console pages 邮件模板 and 标签 through Django's test client, and the admin review actions."""

import html
import json
import re

import pytest

from templates_app import services
from templates_app.models import Label, Template, TemplateStat
from tests.templates_app.test_template_api import tables

FORM = {
    "name": "Welcome",
    "invoke_name": "welcome",
    "template_type": "0",
    "subject": "Hi %name%",
    "html": "<h1>Hello %name%</h1><p>%block%</p>",
    "plain": "",
    "raw_variables": "",
}


@pytest.fixture
def console(client, account):
    client.force_login(account)
    return client


def make_template(account, invoke_name="welcome", **fields):
    values = {"name": "Welcome", "subject": "Hi %name%", "html": "<p>Hello %name%</p>", "template_type": 0}
    return services.create_template(account=account, invoke_name=invoke_name, **{**values, **fields})


def srcdoc(page: str) -> str:
    return html.unescape(re.search(r'<iframe sandbox="" srcdoc="([^"]*)"', page).group(1))


def test_pages_need_login(client, db):
    for url in ["/console/templates/", "/console/templates/new/", "/console/labels/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_list_shows_only_own_templates_with_type_and_state(console, account, other_account):
    make_template(account, "mine", template_type=1)
    make_template(other_account, "theirs")
    page = console.get("/console/templates/").content.decode()
    assert 'data-invoke-name="mine"' in page
    assert "theirs" not in page
    row = re.search(r'<tr data-invoke-name="mine">.*?</tr>', page, re.S).group(0)
    assert '<td class="type">Batch</td>' in row
    assert '<td class="stat stat-1">Approved</td>' in row


def test_list_in_chinese(console, account):
    make_template(account, "mine")
    page = console.get("/console/templates/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "邮件模板" in page
    assert '<td class="type">触发</td>' in page
    assert '<td class="stat stat-1">审核通过</td>' in page
    page = console.get("/console/templates/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "以 %name% 的形式书写变量" in page


def test_create_derives_plain_and_redirects_to_preview(console, account):
    response = console.post("/console/templates/new/", {**FORM, "raw_variables": "block, %footer%"})
    template = Template.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/templates/{template.pk}/preview/"
    assert (template.account, template.invoke_name, template.template_stat) == (account, "welcome", 1)
    assert (template.plain, template.plain_derived) == ("# Hello %name%\n\n%block%\n", True)
    assert template.raw_variables == ["%block%", "%footer%"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"invoke_name": "has space"}, "invoke_name", "An invoke name has 1 to 250 letters, digits, _ or -."),
        ({"html": "<div></div>"}, "html", "The HTML is longer than 1,000,000 characters, or shows no text"),
        ({"subject": ""}, "subject", "This field is required."),
        ({"template_type": "2"}, "template_type", "Select a valid choice."),
    ],
)
def test_create_errors_are_readable_and_write_nothing(console, change, field, message):
    response = console.post("/console/templates/new/", {**FORM, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert Template.objects.count() == 0


def test_create_duplicate_invoke_name(console, account):
    make_template(account)
    before = tables()
    response = console.post("/console/templates/new/", FORM)
    assert response.context["form"].errors["invoke_name"] == ["You already have a template with this invoke name."]
    assert tables() == before


def test_edit_keeps_invoke_name_and_updates(console, account):
    template = make_template(account)
    page = console.get(f"/console/templates/{template.pk}/edit/").content.decode()
    assert 'name="invoke_name"' not in page
    assert "Hello %name%" in page
    response = console.post(
        f"/console/templates/{template.pk}/edit/",
        {**FORM, "invoke_name": "ignored", "name": "Renamed", "plain": "Own %name%", "template_type": "1"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.invoke_name, template.name, template.plain, template.template_type) == (
        "welcome",
        "Renamed",
        "Own %name%",
        1,
    )


def test_pending_template_is_locked_when_review_is_on(console, account):
    account.templates_need_review = True
    account.save()
    template = make_template(account)
    assert template.template_stat == TemplateStat.PENDING
    page = console.get(f"/console/templates/{template.pk}/edit/").content.decode()
    assert 'data-testid="locked"' in page
    before = tables()
    response = console.post(f"/console/templates/{template.pk}/edit/", {**FORM, "name": "Changed"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This template is waiting for review and cannot be edited until an operator decides."
    ]
    assert tables() == before


def test_review_on_create_without_submitting(console, account):
    account.templates_need_review = True
    account.save()
    console.post("/console/templates/new/", FORM)  # the checkbox is not ticked in this post
    assert Template.objects.get().template_stat == TemplateStat.NOT_SUBMITTED
    console.post("/console/templates/new/", {**FORM, "invoke_name": "second", "submit_for_review": "on"})
    assert Template.objects.get(invoke_name="second").template_stat == TemplateStat.PENDING


def test_preview_prefills_variables_and_renders(console, account):
    template = make_template(account, html='<p>Hello %name%</p><div>%block%</div><a href="%%user_defined_unsubscribe_link%%">u</a>')
    response = console.get(f"/console/templates/{template.pk}/preview/")
    assert json.loads(response.context["form"]["variables"].value()) == {
        "%name%": "name",
        "%block%": "block",
        "%%user_defined_unsubscribe_link%%": "user_defined_unsubscribe_link",
    }
    response = console.post(
        f"/console/templates/{template.pk}/preview/", {"variables": '{"%name%": "<Ann>", "block": 42}'}
    )
    page = response.content.decode()
    assert srcdoc(page) == '<p>Hello &lt;Ann&gt;</p><div>42</div><a href="%%user_defined_unsubscribe_link%%">u</a>'
    assert '<span data-testid="preview-subject">Hi &lt;Ann&gt;</span>' in page
    assert '<pre data-testid="preview-plain">Hello &lt;Ann&gt;\n\n42\n\n[u](%%user_defined_unsubscribe_link%%)\n</pre>' in page


def test_preview_raw_variable_is_not_escaped(console, account):
    template = make_template(account, html="<div>%block%</div>", raw_variables=["block"])
    page = console.post(f"/console/templates/{template.pk}/preview/", {"variables": '{"%block%": "<b>x</b>"}'})
    assert srcdoc(page.content.decode()) == "<div><b>x</b></div>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"%name%": "Ann",}', "This is not valid JSON (line 1, column 18): Expecting property name enclosed in double quotes."),
        ('["%name%"]', 'Write one JSON object, like {"%name%": "Ann"}.'),
        ('{"%name%": ["a"]}', "The value of %name% must be text or a number."),
        ('{"": "x"}', "A variable name cannot be empty."),
    ],
)
def test_preview_rejects_bad_json_readably(console, account, text, message):
    template = make_template(account)
    response = console.post(f"/console/templates/{template.pk}/preview/", {"variables": text})
    assert response.context["form"].errors["variables"] == [message]
    assert response.context["rendered"] is None
    assert "<iframe" not in response.content.decode()


def test_delete_asks_then_deletes(console, account):
    template = make_template(account)
    assert console.get(f"/console/templates/{template.pk}/delete/").status_code == 200
    assert Template.objects.count() == 1
    response = console.post(f"/console/templates/{template.pk}/delete/")
    assert response["Location"] == "/console/templates/"
    assert Template.objects.count() == 0


def test_another_accounts_template_and_label_are_404(console, other_account):
    template = make_template(other_account)
    label = Label.objects.create(account=other_account, name="theirs")
    before = tables()
    for url in ["edit", "preview", "delete"]:
        assert console.get(f"/console/templates/{template.pk}/{url}/").status_code == 404
        assert console.post(f"/console/templates/{template.pk}/{url}/", FORM).status_code == 404
    assert console.post(f"/console/labels/{label.pk}/rename/", {"name": "mine"}).status_code == 404
    assert console.post(f"/console/labels/{label.pk}/delete/").status_code == 404
    assert tables() == before


def test_labels_create_rename_delete_and_search(console, account):
    response = console.post("/console/labels/", {"name": "双十一"})
    assert response["Location"] == "/console/labels/"
    label = Label.objects.get()
    assert (label.account, label.name) == (account, "双十一")
    page = console.get("/console/labels/").content.decode()
    assert f'<tr data-label-id="{label.pk}">' in page
    assert "Label 双十一 created." in page

    before = tables()
    response = console.post("/console/labels/", {"name": "双十一"})
    assert response.context["form"].errors["name"] == ["You already have a label with this name."]
    assert console.post("/console/labels/", {"name": "x" * 256}).context["form"].errors["name"]
    assert tables() == before

    console.post(f"/console/labels/{label.pk}/rename/", {"name": "618"})
    assert Label.objects.get().name == "618"
    other = services.create_label(account=account, name="other")
    before = tables()
    response = console.post(f"/console/labels/{other.pk}/rename/", {"name": "618"}, follow=True)
    assert "You already have a label with this name." in response.content.decode()
    assert tables() == before

    page = console.get("/console/labels/?q=oth").content.decode()
    assert f'data-label-id="{other.pk}"' in page and f'data-label-id="{label.pk}"' not in page

    console.post(f"/console/labels/{label.pk}/delete/")
    assert list(Label.objects.values_list("name", flat=True)) == ["other"]


def test_admin_approve_and_reject_actions(client, account, django_user_model):
    account.templates_need_review = True
    account.save()
    first = make_template(account, "first")
    second = make_template(account, "second")
    admin = django_user_model.objects.create_superuser("admin@example.com", "S3cure-pass!")
    client.force_login(admin)
    response = client.post(
        "/admin/templates_app/template/", {"action": "approve", "_selected_action": [first.pk]}, follow=True
    )
    assert "1 pending template approved." in response.content.decode()
    client.post("/admin/templates_app/template/", {"action": "reject", "_selected_action": [second.pk]})
    assert dict(Template.objects.values_list("invoke_name", "template_stat")) == {"first": 1, "second": -1}
    assert client.get("/admin/templates_app/label/").status_code == 200
