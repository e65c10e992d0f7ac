import factory

from accounts.models import User
from apiusers.credentials import hash_api_key

DEFAULT_PASSWORD = "S3cure-pass!"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "domains.Domain"

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"mail{n}.example.test")
    status = "verified"


class ApiUserFactory(factory.django.DjangoModelFactory):
    """An API_USER whose API_KEY is ``f"key-{name}"`` (``api_key_for``)."""

    class Meta:
        model = "apiusers.ApiUser"

    account = factory.SubFactory(AccountFactory)
    domain = factory.LazyAttribute(lambda o: DomainFactory(account=o.account))
    name = factory.Sequence(lambda n: f"api_user_{n}")
    key_hash = factory.LazyAttribute(lambda o: hash_api_key(api_key_for(o.name)))


def api_key_for(name: str) -> str:
    return f"key-{name}"
