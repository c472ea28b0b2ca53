"""Stored files (outside the database, under var/) and the commit phase's progress file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from grassroots.spreadsheets.models import ImportJob


def storage() -> FileSystemStorage:
    root = getattr(settings, "SPREADSHEETS_ROOT", None) or Path(settings.VAR_DIR) / "spreadsheets"
    return FileSystemStorage(location=str(root), file_permissions_mode=0o600, directory_permissions_mode=0o700)


def stored_path(name: str) -> Path:
    return Path(storage().path(name))


def _delete_stored(*names: str) -> None:
    store = storage()
    for name in names:
        if name:
            store.delete(name)


def _progress_name(job: ImportJob) -> str:
    return f"imports/{job.pk}.progress"


def write_progress(job: ImportJob, done: int) -> None:
    """Progress of the commit phase, which runs inside one transaction: a small file beside the upload (a row
    update would stay invisible until the commit, and SQLite allows one writer)."""
    path = stored_path(_progress_name(job))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{done} {job.total_rows}")


def read_progress(job: ImportJob) -> tuple[int, dt.datetime | None]:
    path = stored_path(_progress_name(job))
    try:
        done = int(path.read_text().split()[0])
        return done, dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except (OSError, ValueError, IndexError):
        return 0, None
