"""Tests: a fast hasher, in-memory email, tasks run immediately, fixed test keys."""

import os

os.environ.setdefault("GRASSROOTS_FIELD_KEYS", "t1:" + "11" * 16 + ",t0:" + "22" * 16)
os.environ.setdefault("GRASSROOTS_INDEX_KEY", "33" * 32)
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the app folders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
