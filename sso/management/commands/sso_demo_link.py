"""Link the demo volunteer to the demo provider's person (``./bin/demo``; re-runnable)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from sso.models import OidcLink
from sso.services import oidc_link_create


class Command(BaseCommand):
    help = "Link the demo volunteer to the demo 一号通 provider."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="xiaoming")
        parser.add_argument("--sub", default="yht-000001")

    def handle(self, *args, username: str, sub: str, **options):
        if not settings.OIDC_ISSUER:
            self.stdout.write("OIDC_ISSUER is empty: 一号通 is off, nothing linked")
            return
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.stdout.write(f"no user {username}: nothing linked")
            return
        if not OidcLink.objects.filter(issuer=settings.OIDC_ISSUER, sub=sub).exists():
            OidcLink.objects.filter(user=user, issuer=settings.OIDC_ISSUER).delete()
            oidc_link_create(user=user, issuer=settings.OIDC_ISSUER, sub=sub)
        self.stdout.write(f"{username} linked to 一号通 {sub} at {settings.OIDC_ISSUER}")
