import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Load the word segmenters (about a second each) before the first request, not during it:
    intake suggestions, similar demands and portal search all segment text. With gunicorn --preload
    this runs once in the master and the dictionaries are shared by the forked workers."""
    from lianxin.intel.text import tokens
    from lianxin.portal.search import segment

    tokens("预热")
    segment("预热")


if os.environ.get("LIANXIN_WARM_UP", "1") != "0":
    warm_up()
