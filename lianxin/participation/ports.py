"""The doors to apps beside or below this one that may not be installed yet: the 民生实事 ledger
(`lianxin.projects.services.project_create`, built by another session) and demand intake.

Until `project_create` exists, a chosen poll candidate stays chosen with no project; the service
`poll_projects_create` is idempotent and creates the missing projects when it is run again (the result
page's button, or the publish step of a later deployment).
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string


def project_create_available() -> bool:
    try:
        import_string("lianxin.projects.services.project_create")
    except ImportError:
        return False
    return True


def project_create(**kwargs: Any) -> Any | None:
    """`projects.services.project_create(**kwargs)`, or None while the projects ledger is absent."""
    try:
        create = import_string("lianxin.projects.services.project_create")
    except ImportError:
        return None
    return create(**kwargs)
