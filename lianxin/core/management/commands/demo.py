from django.core.management.base import BaseCommand, CommandError

from lianxin.core.demo import DemoRefused, demo_load


class Command(BaseCommand):
    help = "Load the deterministic demo data into an empty database (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (quietly) when data exists.")

    def handle(self, *args, **options):
        from lianxin.core.demo import database_is_empty

        if options["if_empty"] and not database_is_empty():
            self.stdout.write("Database has data; demo not loaded.")
            return
        try:
            ctx = demo_load()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
