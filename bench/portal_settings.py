"""Production settings for the portal benchmark, except the static storage: the vendored leaflet.js names a
source map that is not shipped, which makes `collectstatic` fail under CompressedManifestStaticFilesStorage
(reported to the foundation). Static files are not part of what this benchmark measures."""

from lianxin.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
