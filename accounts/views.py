from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from accounts import services
from accounts.forms import RegistrationForm


def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_account(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"], language=get_language()
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            request.session["registered_email"] = user.email
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    outbox = None
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        outbox = settings.EMAIL_FILE_PATH  # quick start: mail is written to files, say where
    return render(
        request, "accounts/register_done.html", {"email": request.session.get("registered_email"), "outbox": outbox}
    )


def activate(request, uidb64: str, token: str):
    try:
        services.activate_account(uidb64=uidb64, token=token)
    except services.AccountError as error:
        return render(request, "accounts/activation_failed.html", {"error": str(error)}, status=400)
    return render(request, "accounts/activated.html")
