import json

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Create an activated account and print it as one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, email: str, password: str, **options):
        try:
            user = services.create_account(email=email, password=password, active=True)
        except services.AccountError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(services.describe_account(user), ensure_ascii=False))
