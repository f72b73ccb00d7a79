"""Seed the demo provider: its people and the card service as a client (re-runnable)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

from idp.people import CLIENT_ID, CLIENT_SECRET, PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Seed the demo 一号通 provider (people and the card service client)."

    def add_arguments(self, parser):
        parser.add_argument("--service-url", required=True, help="e.g. http://127.0.0.1:8000")

    def handle(self, *args, service_url: str, **options):
        User = get_user_model()
        for username in PEOPLE:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.save()
        service = service_url.rstrip("/")
        Application = get_application_model()
        app, _ = Application.objects.get_or_create(
            client_id=CLIENT_ID, defaults={"name": "注册志愿者证服务"}
        )
        app.name = "注册志愿者证服务"
        app.client_secret = CLIENT_SECRET
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.redirect_uris = f"{service}/sso/callback/"
        app.post_logout_redirect_uris = f"{service}/accounts/login/"
        app.algorithm = Application.RS256_ALGORITHM
        app.skip_authorization = True
        app.save()
        self.stdout.write(f"demo provider: client {CLIENT_ID} for {service}")
