"""The functions mail sending calls (labels by name, templates by invoke name) and the review rules."""

import pytest

from sendcloud.apiv2.errors import ApiError
from templates_app import selectors, services
from templates_app.models import Label, Template, TemplateStat


def make_template(account, invoke_name="welcome", **fields):
    values = {"name": "Welcome", "subject": "Hi %name%", "html": "<p>Hello %name%</p>", "template_type": 0}
    values.update(fields)
    return services.create_template(account=account, invoke_name=invoke_name, **values)


def test_get_or_create_label_creates_once_per_account(account, other_account):
    label = services.get_or_create_label(account=account, name="  campaign-A ")
    assert (label.account, label.name) == (account, "campaign-A")
    assert services.get_or_create_label(account=account, name="campaign-A").pk == label.pk
    other = services.get_or_create_label(account=other_account, name="campaign-A")
    assert other.pk != label.pk
    assert Label.objects.count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_get_or_create_label_rejects_bad_names(account, name):
    with pytest.raises(ApiError) as error:
        services.get_or_create_label(account=account, name=name)
    assert error.value.status_code == 40105
    assert Label.objects.count() == 0


def test_label_name_of_255_characters_is_fine(account):
    assert services.get_or_create_label(account=account, name="标" * 255).name == "标" * 255


def test_access_label_is_scoped_to_the_account(account, other_account):
    label = services.create_label(account=account, name="mine")
    assert selectors.access_label(account=account, label_id=label.pk) == label
    for owner, label_id in ((other_account, label.pk), (account, label.pk + 1000)):
        with pytest.raises(ApiError) as error:
            selectors.access_label(account=owner, label_id=label_id)
        assert error.value.status_code == 40106


def test_template_for_sending(account, other_account):
    template = make_template(account)
    assert selectors.template_for_sending(account=account, invoke_name="welcome") == template
    with pytest.raises(ApiError) as error:
        selectors.template_for_sending(account=other_account, invoke_name="welcome")
    assert error.value.status_code == 40823


def test_new_template_fields_the_sender_reads(account):
    template = make_template(account, html="<h1>Hi %name%</h1><p>Bye</p>", template_type=1)
    template = Template.objects.get(pk=template.pk)
    assert (template.invoke_name, template.template_type, template.template_stat) == ("welcome", 1, 1)
    assert (template.subject, template.name) == ("Hi %name%", "Welcome")
    assert template.plain == "# Hi %name%\n\nBye\n"
    assert template.plain_derived is True
    assert template.raw_tokens == frozenset()


def test_plain_derived_again_when_html_changes_but_kept_when_given(account):
    template = make_template(account)
    services.update_template(template=template, html="<p>New %name%</p>")
    assert Template.objects.get(pk=template.pk).plain == "New %name%\n"
    services.update_template(template=template, plain="Own text %name%")
    services.update_template(template=template, html="<p>Newer</p>")
    template.refresh_from_db()
    assert (template.plain, template.plain_derived) == ("Own text %name%", False)
    services.update_template(template=template, plain="")
    template.refresh_from_db()
    assert (template.plain, template.plain_derived) == ("Newer\n", True)


def test_review_states_when_the_account_requires_review(account):
    account.templates_need_review = True
    account.save()
    pending = make_template(account, "pending")
    draft = make_template(account, "draft", submit_for_review=False)
    assert (pending.template_stat, draft.template_stat) == (TemplateStat.PENDING, TemplateStat.NOT_SUBMITTED)

    with pytest.raises(ApiError) as error:
        services.update_template(template=pending, name="changed")
    assert error.value.status_code == 40223
    assert Template.objects.get(pk=pending.pk).name == "Welcome"

    assert services.review_templates(templates=Template.objects.all(), approve=True) == 1
    assert Template.objects.get(pk=pending.pk).template_stat == TemplateStat.APPROVED
    assert Template.objects.get(pk=draft.pk).template_stat == TemplateStat.NOT_SUBMITTED

    # Editing an approved template sends it back to review.
    services.update_template(template=Template.objects.get(pk=pending.pk), subject="New")
    assert Template.objects.get(pk=pending.pk).template_stat == TemplateStat.PENDING
    assert services.review_templates(templates=Template.objects.filter(pk=pending.pk), approve=False) == 1
    assert Template.objects.get(pk=pending.pk).template_stat == TemplateStat.REJECTED


def test_pending_template_can_be_edited_once_review_is_switched_off(account):
    account.templates_need_review = True
    account.save()
    template = make_template(account)
    account.templates_need_review = False
    account.save()
    template = Template.objects.get(pk=template.pk)
    services.update_template(template=template, name="Edited")
    template.refresh_from_db()
    assert (template.name, template.template_stat) == ("Edited", TemplateStat.APPROVED)
