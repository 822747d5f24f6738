from django.core.management.base import BaseCommand

from lianxin.demands.sweep import deadline_sweep, sweep_summary


class Command(BaseCommand):
    help = "Run the demand deadline sweep once (黄牌/红牌, 催办, escalation); the worker runs it every 5 minutes."

    def handle(self, *args, **options):
        self.stdout.write(sweep_summary(deadline_sweep()))
