"""The template and label pages in headless Chromium: create, preview with variables, edit; labels."""

import json

import pytest
from playwright.sync_api import expect

from templates_app.models import Label, Template
from tests.browser.fixtures import log_in

pytestmark = pytest.mark.browser


def test_create_preview_and_edit_a_template(browser_page, account):
    page = browser_page("en-US")
    log_in(page, account)
    page.goto("/console/templates/")
    page.get_by_test_id("new-template").click()
    page.fill("input[name=name]", "Order paid")
    page.fill("input[name=invoke_name]", "order_paid")
    page.select_option("select[name=template_type]", "1")
    page.fill("input[name=subject]", "Order %order% paid")
    # The HTML field is a CodeMirror source editor.
    page.get_by_test_id("html-editor").click()
    page.keyboard.type("<p>Hello %name%, order %order% is paid.</p>")
    page.get_by_test_id("save").click()

    page.wait_for_url("**/preview/")
    template = Template.objects.get()
    assert (template.account, template.invoke_name, template.template_type) == (account, "order_paid", 1)
    assert template.html == "<p>Hello %name%, order %order% is paid.</p>"
    assert json.loads(page.locator("textarea[name=variables]").input_value()) == {"%order%": "order", "%name%": "name"}

    page.fill("textarea[name=variables]", '{"%name%": "<Ann>", "%order%": 42')
    page.get_by_test_id("render").click()
    assert page.get_by_test_id("variables-error").inner_text().startswith("This is not valid JSON (line 1, column")

    page.fill("textarea[name=variables]", '{"%name%": "<Ann>", "%order%": 42}')
    page.get_by_test_id("render").click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("Order 42 paid")
    frame = page.get_by_test_id("preview-html")
    assert frame.get_attribute("sandbox") == ""
    assert page.frame_locator("[data-testid=preview-html]").locator("p").inner_text() == "Hello <Ann>, order 42 is paid."
    assert page.get_by_test_id("preview-plain").inner_text().strip() == "Hello <Ann>, order 42 is paid."

    page.get_by_test_id("edit").click()
    page.wait_for_url("**/edit/")
    editor = page.get_by_test_id("html-editor")
    assert "Hello %name%" in editor.inner_text()
    # A script in the template must not run in the preview (sandboxed iframe without allow-scripts).
    new_html = '<h1>Bye %name%</h1><script>document.body.innerHTML = "<h1>ran</h1>"</script>'
    page.evaluate("html => document.querySelector('.CodeMirror').CodeMirror.setValue(html)", new_html)
    page.fill("input[name=subject]", "Bye")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/preview/")
    assert page.frame_locator("[data-testid=preview-html]").locator("h1").inner_text() == "Bye name"
    template.refresh_from_db()
    assert (template.html, template.subject, template.plain) == (new_html, "Bye", "# Bye %name%\n")

    page.goto("/console/templates/")
    row = page.locator("tr[data-invoke-name=order_paid]")
    assert row.locator("td.type").inner_text() == "Batch"
    assert row.locator("td.stat").inner_text() == "Approved"


def test_labels_page_in_chinese(browser_page, account):
    page = browser_page("zh-CN")
    log_in(page, account)
    page.goto("/console/labels/")
    assert page.locator("h1").inner_text() == "标签"
    page.fill("input[name=name]", "双十一")
    page.get_by_role("button", name="新建标签").click()
    row = page.locator("tr[data-label-id]")
    expect(row.locator("td.name")).to_have_text("双十一")

    page.get_by_test_id("label-create").locator("input[name=name]").fill("双十一")
    page.get_by_role("button", name="新建标签").click()
    expect(page.get_by_test_id("label-error")).to_have_text("标签名称已经存在。")

    row.locator("input[name=name]").fill("618")
    row.get_by_role("button", name="重命名").click()
    # The old page has the same row: wait for the reloaded one.
    expect(page.locator("tr[data-label-id] td.name")).to_have_text("618")
    assert list(Label.objects.values_list("name", flat=True)) == ["618"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr[data-label-id]").get_by_role("button", name="删除").click()
    page.get_by_test_id("no-labels").wait_for()
    assert Label.objects.count() == 0
