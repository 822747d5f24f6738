"""`lianxin.intel` is the Django-free core: importing any of its modules loads neither Django nor any
other part of Lianxin (docs/architecture.md). Checked in a fresh interpreter, whose `sys.modules` only
holds what those imports pulled in."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import lianxin.intel
names = [m.name for m in pkgutil.walk_packages(lianxin.intel.__path__, "lianxin.intel.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def _is_intel(name: str) -> bool:
    return name == "lianxin.intel" or name.startswith("lianxin.intel.")


def test_every_intel_module_imports_without_django_or_the_rest_of_lianxin():
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": os.environ.get("HOME", "/")}
    assert "DJANGO_SETTINGS_MODULE" not in env
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["modules"]) >= 5  # the walk found the package's modules
    loaded = report["loaded"]
    assert [m for m in loaded if m == "django" or m.startswith("django.")] == []
    others = [m for m in loaded if m.startswith("lianxin.") and not _is_intel(m)]
    assert others == [], f"lianxin.intel imported other parts of Lianxin: {others}"
