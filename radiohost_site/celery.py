"""The Celery application (cookiecutter-django's config/celery_app.py pattern)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")

app = Celery("radiohost")
# All Celery settings live in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])
