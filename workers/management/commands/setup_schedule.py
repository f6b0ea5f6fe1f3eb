from django.core.management.base import BaseCommand

from workers.schedule import install


class Command(BaseCommand):
    help = "Install the beat schedule (processing of new VLASS epochs) into django-celery-beat."

    def handle(self, *args, **opts):
        self.stdout.write(f"{install()} periodic task(s) installed")
