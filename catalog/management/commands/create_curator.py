"""``manage.py create_curator NAME``: a user in the ``curators`` group (may relabel)."""

from django.core.management.base import BaseCommand, CommandError

from catalog.curation.curators import GROUP, create_curator


class Command(BaseCommand):
    help = "Create a curator (a user in the 'curators' group, allowed to write labels)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--password",
            default=None,
            help="Set this password (default: a random one for a new user, shown once).",
        )
        parser.add_argument("--email", default="")

    def handle(self, *args, **opts):
        try:
            user, password = create_curator(opts["name"], opts["password"], email=opts["email"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{user.username} is in the '{GROUP}' group (may relabel).")
        if password is not None and opts["password"] is None:
            self.stdout.write(f"password: {password}")
