from apiusers.models import DailyUsage
from delivery.models import Attachment, Email, Event, SendRequest, SendRequestKey
from templates_app.models import Label

WRITTEN_BY_A_SEND = (SendRequest, Email, Event, Attachment, SendRequestKey, Label, DailyUsage)


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN_BY_A_SEND}


def sender_of(api_user, local: str = "news") -> str:
    return f"{local}@{api_user.domain.name}"
