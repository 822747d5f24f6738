"""Production settings for the portal benchmark, except the static storage: the manifest storage of
production is not what this benchmark measures, and the uncompressed manifest-free storage lets the
benchmark copy the article page into STATIC_ROOT as a plain static file to compare with."""

from lianxin.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
