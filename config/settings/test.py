"""Tests: a fast hasher, in-memory email, tasks run immediately, fixed test keys."""

import os
import tempfile

os.environ.setdefault("GRASSROOTS_FIELD_KEYS", "t1:" + "11" * 16 + ",t0:" + "22" * 16)
os.environ.setdefault("GRASSROOTS_INDEX_KEY", "33" * 32)
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from config.settings.base import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory database: the browser tests' live server answers several requests at
    # once (HTMX loads dashboard panels in parallel), and with one shared connection their transactions interleave
    # and break. A file gives each thread its own connection, as in production. /dev/shm keeps it in memory.
    _shm = "/dev/shm"  # noqa: S108  (test data only; the name carries the pid)
    _test_dir = _shm if os.path.isdir(_shm) else tempfile.gettempdir()
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_test_dir, f"grassroots-test-{os.getpid()}.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the app folders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
