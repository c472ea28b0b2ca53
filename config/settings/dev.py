"""Local development: reads keys from var/secrets.env (made by `make run`), never from the database."""

import os
from pathlib import Path

_secrets = Path(__file__).resolve().parent.parent.parent / "var" / "secrets.env"
if _secrets.exists():
    for _line in _secrets.read_text().splitlines():
        if "=" in _line and not _line.startswith("#"):
            _k, _v = _line.split("=", 1)
            os.environ.setdefault(_k.strip(), _v.strip())
os.environ.setdefault("DEBUG", "true")

from config.settings.base import *  # noqa: E402,F403

# Serve static files straight from the app folders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
