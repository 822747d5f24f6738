"""With the analysis app absent (and evaluation, which needs it), demands still work and their templates
render: the intel port answers empty, no template loads analysis tags (issue 14)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demands_run_without_the_analysis_app():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL", "REDIS_URL"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "tests.demands.without_analysis.settings"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/demands/without_analysis/drive.py")],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("OK")
