"""Operators review templates here when an account has "templates need review" switched on."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from templates_app import services
from templates_app.models import Label, Template


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["invoke_name", "name", "account", "template_type", "template_stat", "updated_at"]
    list_filter = ["template_stat", "template_type"]
    search_fields = ["invoke_name", "name", "account__email"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["account"]
    actions = ["approve", "reject"]

    def _review(self, request, queryset, *, approve: bool) -> None:
        changed = services.review_templates(templates=queryset, approve=approve)
        if approve:
            text = ngettext("%(count)d pending template approved.", "%(count)d pending templates approved.", changed)
        else:
            text = ngettext("%(count)d pending template rejected.", "%(count)d pending templates rejected.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected pending templates"))
    def approve(self, request, queryset):
        self._review(request, queryset, approve=True)

    @admin.action(description=_("Reject the selected pending templates"))
    def reject(self, request, queryset):
        self._review(request, queryset, approve=False)


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "created_at"]
    search_fields = ["name", "account__email"]
    raw_id_fields = ["account"]
