from django.apps import AppConfig


class IngressConfig(AppConfig):
    """The SMTP ingress: authenticated submission over SMTP into the same intake as the Web API."""

    name = "ingress"
    verbose_name = "SMTP ingress"

    def ready(self) -> None:
        import logging

        # aiosmtpd logs every command line at INFO, AUTH PLAIN's base64 credentials included: API_KEYs
        # must never reach a log (targets S7), so its logger only reports warnings and errors.
        aiosmtpd_log = logging.getLogger("mail.log")
        aiosmtpd_log.setLevel(max(aiosmtpd_log.getEffectiveLevel(), logging.WARNING))
