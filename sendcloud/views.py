"""Platform-wide pages: the console home, the not-yet-built placeholder, the manual, /healthz."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from sendcloud import health
from sendcloud.navigation import PAGES

MANUAL_FILES = ["README.md", "docs/architecture.md"]  # then every page of docs/api/


def root(request):
    return redirect("console:home" if request.user.is_authenticated else "accounts:login")


@login_required
def home(request):
    return render(request, "console/home.html")


@login_required
def placeholder(request, slug: str):
    if slug not in PAGES:
        raise Http404(slug)
    return render(request, "console/placeholder.html", {"page_title": PAGES[slug]}, status=200)


@login_required
def manual(request):
    base = Path(settings.BASE_DIR)
    paths = [base / name for name in MANUAL_FILES] + sorted((base / "docs" / "api").glob("*.md"))
    documents = [
        {"name": str(path.relative_to(base)), "text": path.read_text(encoding="utf-8")}
        for path in paths
        if path.exists()
    ]
    return render(request, "console/manual.html", {"documents": documents})


def healthz(request):
    report = health.check()
    return JsonResponse(report, status=200 if report["ok"] else 503)
