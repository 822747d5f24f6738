"""Locale formats that differ from Django's (settings.FORMAT_MODULE_PATH); the rest are Django's."""
