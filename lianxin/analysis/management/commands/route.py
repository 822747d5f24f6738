"""`lianxin route evaluate|train|suggest` — unit routing learned from handled demands.

- `evaluate --train FILE --test FILE [--json]`: trains on one message file, scores on the other, beside
  the most-frequent and place-name baselines (contract.md). No database.
- `train [--json]`: trains a router version from the handled demands in the database (the Huey job's
  work, in this process); it becomes active when it is at least as good as the active one.
- `suggest --text TEXT [--area NAME] [--json]`: the active router's top three for a text.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand


class Command(IntelCommand):
    help = "Evaluate unit routing on .xlsx/.csv files, or train / ask the router of the database."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{evaluate,train,suggest}")
        evaluate = actions.add_parser(
            "evaluate", help="train on one file of handled messages, score on another"
        )
        evaluate.add_argument(
            "--train", required=True, help="handled messages (.xlsx or .csv) with a unit column"
        )
        evaluate.add_argument("--test", required=True, help="handled messages to score on")
        evaluate.add_argument("--json", action="store_true", help="print one JSON object (contract.md)")
        self.add_progress_argument(evaluate)
        train = actions.add_parser("train", help="train a router version from the handled demands")
        train.add_argument("--json", action="store_true")
        suggest = actions.add_parser("suggest", help="the active router's units for a text")
        suggest.add_argument("--text", required=True)
        suggest.add_argument("--area", default="", help="the area's name (as in the area tree)")
        suggest.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "evaluate":
            self._evaluate(options)
        elif action == "train":
            self._train(options)
        else:
            self._suggest(options)

    def _evaluate(self, options: dict[str, Any]) -> None:
        from lianxin.intel.routing import routing_evaluate_run  # scikit-learn: only when used

        result, notes = self.run_intel(
            lambda: routing_evaluate_run(options["train"], options["test"], progress=self.progress(options))
        )
        for note in notes:
            self.stderr.write(f"note: {note}")
        if options["json"]:
            self.print_json(result)
            return
        rows = [("model", result), *result["baselines"].items()]
        self.stdout.write(f"train {result['n_train']}, test {result['n_test']}")
        for name, row in rows:
            self.stdout.write(
                f"  {name:14} acc@1 {row['accuracy_at_1']:.4f}  acc@3 {row['accuracy_at_3']:.4f}  "
                f"macro-F1 {row['macro_f1']:.4f}  auto@95 {row['auto_share_at_95']:.4f}"
            )
        for note in result.get("notes", []):
            self.stdout.write(f"  note: {note}")

    def _train(self, options: dict[str, Any]) -> None:
        from lianxin.analysis.models import ModelState
        from lianxin.analysis.routing import router_train_now

        version = router_train_now()
        data = {
            "id": version.pk,
            "state": version.state,
            "active": version.is_active,
            "n_train": version.n_train,
            "n_units": version.n_units,
            "cv": version.cv,
            "message": version.message,
        }
        if options["json"]:
            self.print_json(data)
        else:
            self.stdout.write(f"router version #{version.pk}: {version.message}")
        if version.state != ModelState.READY:
            raise CommandError(version.message)

    def _suggest(self, options: dict[str, Any]) -> None:
        from lianxin.analysis.routing import suggest_units
        from lianxin.org.models import Area

        area = Area.objects.filter(name=options["area"]).first() if options["area"] else None
        if options["area"] and area is None:
            raise CommandError(f"no area named {options['area']!r}")
        rows = suggest_units(text=options["text"], area=area, limit=3)
        if options["json"]:
            self.print_json(rows)
            return
        if not rows:
            self.stdout.write("no active router (lianxin route train), or no unit to suggest")
        for row in rows:
            self.stdout.write(
                f"{row['unit_id']}\t{row['name']}\t{row['score']:.3f}\t{'；'.join(row['reasons'])}"
            )
