"""`lianxin interconnect SUBCOMMAND`:

- `import-areas FILE [--json]`: area polygons from a GeoJSON FeatureCollection (properties.code, …).
- `reconcile --platform CODE --since YYYY-MM-DD [--fix] [--json]`: our states of the platform's orders
  against its state query; `--fix` re-sends our state for each difference.
- `send`: deliver what is due now (webhooks and callbacks), until nothing is.
- `webhooks-reconcile [--hours N]`: owe the deliveries of recent events that have none.
- `api-key NAME [--rate N]`: a new Open311 client; prints its key once.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.dates import parse_day
from lianxin.core.errors import ApplicationError
from lianxin.interconnect import deliveries, geo, keys, webhooks, workorders
from lianxin.interconnect.models import Platform


class Command(BaseCommand):
    help = "Interconnection: area polygons, reconciliation with an upper platform, deliveries, API keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        areas = sub.add_parser("import-areas", help="Import area polygons from a GeoJSON FeatureCollection.")
        areas.add_argument("file")
        areas.add_argument("--json", action="store_true")
        rec = sub.add_parser("reconcile", help="Compare our states with an upper platform's for a period.")
        rec.add_argument("--platform", required=True)
        rec.add_argument("--since", required=True, help="YYYY-MM-DD")
        rec.add_argument("--fix", action="store_true", help="Re-send our state for every difference.")
        rec.add_argument("--json", action="store_true")
        sub.add_parser("send", help="Deliver the webhooks and callbacks that are due.")
        wr = sub.add_parser("webhooks-reconcile", help="Owe the deliveries of recent events that have none.")
        wr.add_argument("--hours", type=int, default=None)
        key = sub.add_parser("api-key", help="Make an Open311 client and print its key (shown once).")
        key.add_argument("name")
        key.add_argument("--rate", type=int, default=60)

    def handle(self, *args, **options):
        action = options["action"].replace("_", "-")
        try:
            getattr(self, "do_" + action.replace("-", "_"))(options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def do_import_areas(self, options):
        report = geo.area_shapes_import(path=options["file"]).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(f"shapes {report['shapes']}, areas created {report['areas_created']}")

    def do_reconcile(self, options):
        try:
            since = parse_day(options["since"])
        except ValueError as exc:
            raise CommandError(f"--since must be a day YYYY-MM-DD ({exc})") from None
        platform = Platform.objects.filter(code=options["platform"]).first()
        if platform is None:
            raise CommandError(f"no platform {options['platform']!r}")
        report = workorders.work_orders_reconcile(
            platform=platform, since=since, fix=options["fix"]
        ).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for d in report["differences"]:
            self.stdout.write(f"{d['order_id']}: ours {d['ours']}, platform {d['theirs'] or '(unknown)'}")
        for order_id in report["unknown_here"]:
            self.stdout.write(f"{order_id}: on the platform, not here")
        self.stdout.write(
            f"compared {report['compared']}, differences {len(report['differences'])}, "
            f"unknown here {len(report['unknown_here'])}, re-sent {report['resent']}"
        )

    def do_send(self, options):
        report = deliveries.deliveries_drain(seconds=3600)
        self.stdout.write(
            f"claimed {report.claimed}, delivered {report.delivered}, failed {report.failed}, given up {report.given_up}"
        )

    def do_webhooks_reconcile(self, options):
        self.stdout.write(f"added {webhooks.webhooks_reconcile(hours=options['hours'])}")

    def do_api_key(self, options):
        client, key = keys.api_client_create(name=options["name"], rate_per_minute=options["rate"])
        self.stdout.write(f"client {client.pk} {client.name}: {key}")
