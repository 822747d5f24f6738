"""`DJANGO_SETTINGS_MODULE=lianxin.settings`: the settings of development or production.

The modules beside this one hold them: `base` (everything shared), `development` (DEBUG on, SQLite and
random secrets in var/), `production` (DEBUG off, secrets required, secure cookies, hashed static files)
and `test` (what pytest uses; pyproject.toml names it directly).

`LIANXIN_ENV=development|production|test` chooses. Without it DEBUG does, as it always has: `DEBUG=0`
is production, anything else development. `LIANXIN_TESTING=1` chooses the test settings, for a process
started outside pytest that must behave like the tests (tasks run at once, cache and mail in memory).

The choice is made when a setting is first read, not when this package is imported: importing
`lianxin.settings.test` imports this package first, and that must neither write development's secrets
into var/ nor fail for want of production's keys. Django reads the settings through `dir()` and
`getattr()`, both answered by the chosen module (PEP 562); `from lianxin.settings import *` works too.
"""

from __future__ import annotations

import functools
import importlib
import os
import typing
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

if typing.TYPE_CHECKING:  # what mypy's Django plugin reads the types of settings from
    from lianxin.settings.development import *  # noqa: F403

ENVIRONMENTS = ("development", "production", "test")


def environment() -> str:
    """The name of the settings module `lianxin.settings` stands for (see the module docstring)."""
    name = os.environ.get("LIANXIN_ENV", "").strip().lower()
    if name:
        if name not in ENVIRONMENTS:
            raise ImproperlyConfigured(f"LIANXIN_ENV is {name!r}: use one of {', '.join(ENVIRONMENTS)}.")
        return name
    if os.environ.get("LIANXIN_TESTING") == "1":
        return "test"
    debug = os.environ.get("DEBUG", "1").strip().lower() in {"1", "true", "yes", "on"}
    return "development" if debug else "production"


@functools.cache
def chosen() -> ModuleType:
    return importlib.import_module(f"{__name__}.{environment()}")


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return [setting for setting in dir(chosen()) if setting.isupper()]
    if not name.isupper():  # submodules and dunders are found the usual way
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(chosen(), name)


def __dir__() -> list[str]:
    # Only the chosen module's settings look like settings (Django takes every upper-case name).
    own = (name for name in globals() if not name.isupper())
    return sorted({*own, *(setting for setting in dir(chosen()) if setting.isupper())})
