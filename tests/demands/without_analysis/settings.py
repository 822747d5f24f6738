"""Lianxin without the text-mining adapter (lianxin.analysis) and the evaluation app above it: what a
deployment that leaves intel out runs. Used by tests/demands/test_without_analysis.py in a subprocess."""

from lianxin.settings.test import *  # noqa: F403
from lianxin.settings.test import INSTALLED_APPS, LIANXIN_DEMO_LOADERS

INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in ("lianxin.analysis", "lianxin.evaluation")]
LIANXIN_DEMO_LOADERS = [
    loader for loader in LIANXIN_DEMO_LOADERS if not loader.startswith("lianxin.analysis")
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
