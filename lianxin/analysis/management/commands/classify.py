"""`lianxin classify train|evaluate|cv|predict` — the demand classifier on labelled message files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand
from lianxin.intel import runs


class Command(IntelCommand):
    help = "Train, evaluate or cross-validate the demand classifier on .xlsx/.csv message files."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,cv,predict}")
        train = actions.add_parser("train", help="train on labelled messages and write a model file")
        train.add_argument("--data", required=True, help="labelled messages (.xlsx or .csv)")
        train.add_argument("--out", required=True, help="model file to write")
        train.add_argument(
            "--cv-folds",
            type=int,
            default=5,
            help="folds of the cross-validation stored with the model (0: none)",
        )
        train.add_argument("--json", action="store_true", help="print the model's metadata as JSON")
        evaluate = actions.add_parser("evaluate", help="train on one file and score on another")
        evaluate.add_argument("--train", required=True)
        evaluate.add_argument("--test", required=True)
        evaluate.add_argument("--json", action="store_true")
        cv = actions.add_parser("cv", help="K-fold cross-validation on one file")
        cv.add_argument("--data", required=True)
        cv.add_argument("--folds", type=int, default=5)
        cv.add_argument("--json", action="store_true")
        predict = actions.add_parser(
            "predict", help="categories of the messages of a file with a saved model"
        )
        predict.add_argument("--model", required=True)
        predict.add_argument("--data", required=True)
        predict.add_argument("--json", action="store_true")
        for sub in (train, evaluate, cv, predict):
            self.add_progress_argument(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        progress = self.progress(options)
        if action == "train":
            info = self.run_intel(
                lambda: runs.classify_train_run(
                    options["data"], options["out"], cv_folds=options["cv_folds"], progress=progress
                )
            )
            if options["json"]:
                self.print_json(info)
            else:
                cv = info.get("cv") or {}
                score = f", cross-validated macro-F1 {cv['macro_f1']}" if cv else ""
                self.stdout.write(
                    f"model written to {info['model']}: {info['n_train']} messages, "
                    f"{len(info['labels'])} categories{score}"
                )
            return
        if action == "predict":
            rows = self.run_intel(
                lambda: runs.classify_predict_run(options["model"], options["data"], progress=progress)
            )
            if options["json"]:
                self.print_json(rows)
            else:
                for row in rows:
                    self.stdout.write(f"{row['id']}\t{row['label']}\t{row['probability']:.2f}")
            return
        if action == "evaluate":
            result = self.run_intel(
                lambda: runs.classify_evaluate_run(options["train"], options["test"], progress=progress)
            )
        else:
            result = self.run_intel(
                lambda: runs.classify_cv_run(options["data"], folds=options["folds"], progress=progress)
            )
        if options["json"]:
            self.print_json(result)
            return
        self.stdout.write(
            f"macro-F1 {result['macro_f1']:.4f}  accuracy {result['accuracy']:.4f}  "
            f"(train {result['n_train']}, test {result['n_test']})"
        )
        if result.get("top3_accuracy") is not None:
            self.stdout.write(
                f"top-3 accuracy {result['top3_accuracy']:.4f}  ECE {result['ece']:.4f}  "
                f"auto@95 {result['auto_share_at_95']:.4f}"
            )
        for label, row in result["per_class"].items():
            self.stdout.write(
                f"  {label}\tP {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  n {row['support']}"
            )
