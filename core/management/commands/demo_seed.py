"""Load the demo data: every app that has a ``demo.seed()`` adds its part, in order.
Running it twice changes nothing."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "volunteers.demo",
    "activities.demo",
    "card_service.demo",
    "insurance.demo",
    "uniforms.demo",
    "helpcentre.demo",
]


class Command(BaseCommand):
    help = "Load demo organisations, volunteers and staff logins (idempotent)."

    def handle(self, *args, **options) -> None:
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            with transaction.atomic():
                summary = module.seed()
            self.stdout.write(f"{name}: {summary}")
