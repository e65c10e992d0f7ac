"""Console pages: 发送设置 -> 域名 (sending domains) and 追踪选项 (tracking domains).

Each view parses its input, calls one service (or selector) and renders or redirects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from domains import exports, records, selectors, services
from domains.models import DNS_BITS
from domains.rules import MAX_DOMAINS, MAX_NAME_LENGTH, MAX_TRACKING_DOMAINS, DomainError, brand_words


def _rules_context() -> dict:
    return {
        "max_domains": MAX_DOMAINS,
        "max_tracking_domains": MAX_TRACKING_DOMAINS,
        "max_length": MAX_NAME_LENGTH,
        "brands": ", ".join(brand_words()),
    }


# --- sending domains ------------------------------------------------------------------------------
def _list_page(request, *, name: str = "", error: str = "", status: int = 200):
    domains = list(selectors.domains_for(account=request.user))
    context = {
        "domains": domains,
        "used": sum(1 for domain in domains if not domain.is_test),
        "add_name": name,
        "add_error": error,
        **_rules_context(),
    }
    return render(request, "domains/list.html", context, status=status)


@login_required
def domain_list(request):
    return _list_page(request)


@login_required
@require_POST
def domain_add(request):
    name = request.POST.get("name", "")
    try:
        domain = services.add_domain(account=request.user, name=name)
    except DomainError as error:
        return _list_page(request, name=name, error=error.message, status=400)
    # Look the records up at once, so the configuration page shows what is already published
    # (and suggests a subdomain when the domain already receives mail elsewhere).
    services.check_domain(domain=domain)
    messages.success(
        request, _("The domain %(name)s was added. Publish the records below.") % {"name": domain.name}
    )
    return redirect("console:domains:detail", domain.pk)


@login_required
def domain_detail(request, pk: int):
    domain = selectors.access_domain(account=request.user, domain_id=pk)
    context = {
        "domain": domain,
        "rows": selectors.record_rows(domain=domain),
        "other_mx_hosts": selectors.other_mx_hosts(domain=domain),
        "suggestion": f"info.{domain.name}",
        "mx_host": records.mx_host(),
        "can_rename": not domain.is_test and not domain.verify_bits & DNS_BITS,
        "history": selectors.status_history(domain=domain),
        **_rules_context(),
    }
    return render(request, "domains/detail.html", context)


@login_required
@require_POST
def domain_check(request, pk: int):
    domain = selectors.access_domain(account=request.user, domain_id=pk)
    domain = services.check_domain(domain=domain)
    messages.success(request, _("Configuration checked."))
    return redirect("console:domains:detail", domain.pk)


@login_required
@require_POST
def domain_rename(request, pk: int):
    domain = selectors.access_domain(account=request.user, domain_id=pk)
    try:
        services.rename_domain(domain=domain, new_name=request.POST.get("new_name", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The domain was renamed to %(name)s.") % {"name": domain.name})
    return redirect("console:domains:detail", domain.pk)


@login_required
@require_POST
def domain_delete(request, pk: int):
    domain = selectors.access_domain(account=request.user, domain_id=pk)
    try:
        services.delete_domain(domain=domain)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("console:domains:detail", domain.pk)
    messages.success(request, _("The domain %(name)s was deleted.") % {"name": domain.name})
    return redirect("console:domains:list")


@login_required
def domain_export(request, pk: int, extension: str):
    domain = selectors.access_domain(account=request.user, domain_id=pk)
    if extension == "csv":
        response = HttpResponse(exports.as_csv(domain=domain), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.as_xlsx(domain=domain),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    filename = exports.filename(domain=domain, extension=extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- tracking domains -----------------------------------------------------------------------------
def _tracking_page(request, *, name: str = "", error: str = "", status: int = 200):
    tracking_domains = list(selectors.tracking_domains_for(account=request.user))
    context = {
        "tracking_domains": [
            (tracking_domain, selectors.tracking_row(tracking_domain=tracking_domain))
            for tracking_domain in tracking_domains
        ],
        "tracking_host": records.tracking_host(),
        "add_name": name,
        "add_error": error,
        **_rules_context(),
    }
    return render(request, "domains/tracking_list.html", context, status=status)


@login_required
def tracking_list(request):
    return _tracking_page(request)


@login_required
@require_POST
def tracking_add(request):
    name = request.POST.get("name", "")
    try:
        tracking_domain = services.add_tracking_domain(account=request.user, name=name)
    except DomainError as error:
        return _tracking_page(request, name=name, error=error.message, status=400)
    services.check_tracking_domain(tracking_domain=tracking_domain)
    messages.success(request, _("The tracking domain %(name)s was added.") % {"name": tracking_domain.name})
    return redirect("console:domains:tracking_detail", tracking_domain.pk)


def _tracking_detail_page(request, tracking_domain, *, certificate_error: str = "", status: int = 200):
    context = {
        "tracking_domain": tracking_domain,
        "row": selectors.tracking_row(tracking_domain=tracking_domain),
        "certificate_error": certificate_error,
        "certificate_pem": request.POST.get("certificate", "") if certificate_error else "",
    }
    return render(request, "domains/tracking_detail.html", context, status=status)


@login_required
def tracking_detail(request, pk: int):
    tracking_domain = selectors.access_tracking_domain(account=request.user, tracking_domain_id=pk)
    return _tracking_detail_page(request, tracking_domain)


@login_required
@require_POST
def tracking_check(request, pk: int):
    tracking_domain = selectors.access_tracking_domain(account=request.user, tracking_domain_id=pk)
    services.check_tracking_domain(tracking_domain=tracking_domain)
    messages.success(request, _("Configuration checked."))
    return redirect("console:domains:tracking_detail", pk)


def _uploaded_text(request, field: str) -> str:
    """A PEM pasted into the textarea, or the uploaded file of the same name."""
    upload = request.FILES.get(f"{field}_file")
    if upload is not None:
        return upload.read(256 * 1024).decode("ascii", errors="replace")
    return request.POST.get(field, "")


@login_required
@require_POST
def tracking_certificate(request, pk: int):
    tracking_domain = selectors.access_tracking_domain(account=request.user, tracking_domain_id=pk)
    try:
        services.upload_certificate(
            tracking_domain=tracking_domain,
            certificate_pem=_uploaded_text(request, "certificate"),
            private_key_pem=_uploaded_text(request, "private_key"),
        )
    except DomainError as error:
        return _tracking_detail_page(request, tracking_domain, certificate_error=error.message, status=400)
    messages.success(request, _("The HTTPS certificate was saved."))
    return redirect("console:domains:tracking_detail", pk)


@login_required
@require_POST
def tracking_certificate_remove(request, pk: int):
    tracking_domain = selectors.access_tracking_domain(account=request.user, tracking_domain_id=pk)
    services.remove_certificate(tracking_domain=tracking_domain)
    messages.success(request, _("The HTTPS certificate was removed."))
    return redirect("console:domains:tracking_detail", pk)


@login_required
@require_POST
def tracking_delete(request, pk: int):
    tracking_domain = selectors.access_tracking_domain(account=request.user, tracking_domain_id=pk)
    try:
        services.delete_tracking_domain(tracking_domain=tracking_domain)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("console:domains:tracking_detail", pk)
    messages.success(request, _("The tracking domain %(name)s was deleted.") % {"name": tracking_domain.name})
    return redirect("console:domains:tracking_list")
