"""Test settings: the product's own settings, with safe environment defaults for tests.

pytest-django loads this before any conftest, so the defaults are in place when
assurance.config.settings reads the environment. Real values (DATABASE_URL, REDIS_URL) still win.
"""

import os
from pathlib import Path

_defaults = {
    "SECRET_KEY": "test-only-not-secret-" + "x" * 40,
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DATA_DIR": str(Path(__file__).resolve().parent.parent / "var" / "test"),
    "EMAIL_URL": "consolemail://",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
}
for _key, _value in _defaults.items():
    os.environ.setdefault(_key, _value)

from assurance.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
