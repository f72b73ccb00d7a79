"""The Celery app. Broker: kombu's filesystem transport by default, Redis in production;
the worker code path is the same in both."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("card_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
