from django.core.management.base import BaseCommand, CommandError

from catalog.methods.registry import register_checkpoint


class Command(BaseCommand):
    help = "Register a trained checkpoint (classifier or host) as a ModelVersion, with its sha256."

    def add_arguments(self, parser):
        parser.add_argument("checkpoint")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=["classifier", "host"])
        parser.add_argument("--activate", action="store_true", help="Make it the active version.")

    def handle(self, *args, **opts):
        try:
            mv, created = register_checkpoint(
                opts["checkpoint"], name=opts["name"], kind=opts["kind"], activate=opts["activate"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "registered" if created else "already registered as"
        self.stdout.write(f"{verb} {mv.name} ({mv.kind}, {mv.status}) sha256={mv.sha256[:12]}…")
