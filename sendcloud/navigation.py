"""The console's navigation: SendCloud's sections, as data.

Each entry is (slug, label).  A page is served at ``/console/<slug>/``: an app that builds the page
mounts a route with that path in its own ``urls.py``; until then the catch-all placeholder view
answers for the slug and says plainly that the page is not built yet.
"""

from django.utils.translation import gettext_lazy as _

SECTIONS = [
    (_("Data center"), [("stats", _("Statistics"))]),
    (
        _("Delivery response"),
        [
            ("delivery/status", _("Email status")),
            ("delivery/bounces", _("Bounced addresses")),
            ("delivery/opens", _("Opens and clicks")),
            ("delivery/unsubscribes", _("Unsubscribes")),
            ("sandbox", _("Sandbox inbox")),
        ],
    ),
    (_("Sending"), [("templates", _("Templates")), ("labels", _("Labels"))]),
    (
        _("Sending settings"),
        [
            ("domains", _("Domains")),
            ("apiusers", _("API_USER")),
            ("tracking", _("Tracking")),
            ("unsubscribe-settings", _("Unsubscribe settings")),
            ("webhooks", _("WebHook")),
            ("settings", _("Settings options")),
            ("ips", _("Sending IPs")),
        ],
    ),
    (_("User manual"), [("manual", _("User manual"))]),
]

PAGES = {slug: label for _section, items in SECTIONS for slug, label in items}


def console_navigation(request):
    """Template context: the sections, and the slug of the page being shown."""
    path = request.path
    current = ""
    if path.startswith("/console/"):
        rest = path[len("/console/") :].strip("/")
        current = max((slug for slug in PAGES if rest == slug or rest.startswith(slug + "/")), key=len, default="")
    return {"console_sections": SECTIONS, "console_current": current}
