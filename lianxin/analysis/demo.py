"""Demo intel: hot issues mined from the demo demands, and a first classifier trained from the closed
ones (queued for the worker, so `make run` starts at once and suggestions appear a moment later)."""

from __future__ import annotations

from lianxin.analysis import services
from lianxin.core.demo import DemoContext


def load(ctx: DemoContext) -> None:
    admin = ctx.objects["users"]["admin"]
    run = services.hotspots_refresh(actor=admin, now=ctx.now)
    version = services.classifier_retrain_start(actor=admin)
    ctx.log.append(f"Hot issues mined (run {run.pk}); classifier version {version.pk} queued for training")
