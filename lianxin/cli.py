"""The `lianxin` console script: every Django management command, plus hyphenated aliases.

`lianxin reply-quality ...` runs the `reply_quality` command; `lianxin import categories FILE` the
`import` command; `lianxin serve` the web server and worker together.
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "lianxin"
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # a missing or weak key, a bad DATABASE_URL: one line, not a traceback
        sys.exit(f"lianxin: configuration error: {exc}")


if __name__ == "__main__":
    main()
