"""The analysis' work kept for the commit (PERFORMANCE.md target 7): the member rows the preview validated,
classified and prepared for writing (ID number hashed, personal fields already encrypted), one pickled chunk
after another in a file beside the upload. The commit replays it instead of reading and validating the file a
second time, but only while nothing it relied on has changed; otherwise it takes the full path (see
rows.MemberImport.replay).

The file holds no plaintext the database does not already hold in clear (names, dates, enumerations; ID number,
phone and address only as ciphertext, hash and mask). Its SHA-256 is kept on the job, so a file altered on disk
is not replayed, and it is read by an unpickler that builds nothing but builtins and dates.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import logging
import os
import pickle
from collections.abc import Iterator

from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.services.storage import stored_path

STAGING_FORMAT = 1

log = logging.getLogger(__name__)


def staged_name(job: ImportJob) -> str:
    return f"imports/{job.pk}.staged"


class _HashingReader(io.RawIOBase):
    """Hashes the bytes as they are read, so what is checked is exactly what was unpickled."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.handle.readinto(buffer)
        self.digest.update(memoryview(buffer)[:count])
        return count

    def close(self) -> None:
        self.handle.close()
        super().close()


class StagingWriter:
    """Opened by the analysis; `close()` returns the file's SHA-256 ("" if writing failed: the staging is only a
    shortcut, so a full disk costs the commit its speed, not the preview), `discard()` removes it."""

    def __init__(self, job: ImportJob, *, today: dt.date, orgs: str):
        self.path = stored_path(staged_name(job))
        self._file = None
        self._digest = hashlib.sha256()
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
            self._file = os.fdopen(os.open(self.path, flags, 0o600), "wb")
            self._dump(_header(job, today, orgs))
        except (OSError, pickle.PicklingError):
            log.warning("import %s: the analysis is not staged", job.pk, exc_info=True)
            self.discard()

    def _dump(self, value) -> None:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        self._digest.update(buffer.getbuffer())
        self._file.write(buffer.getbuffer())

    def add(self, entries: list[tuple]) -> None:
        if self._file is None:
            return
        try:
            self._dump(entries)
        except (OSError, pickle.PicklingError):
            log.warning("import %s: staging stopped", self.path.name, exc_info=True)
            self.discard()

    def close(self) -> str:
        if self._file is None:
            return ""
        self._file.close()
        return self._digest.hexdigest()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


def _header(job: ImportJob, today: dt.date, orgs: str) -> tuple:
    """What the staged work depended on: the file, the day (date rules), the organizations of the subtree
    (OrgIndex.fingerprint)."""
    return (STAGING_FORMAT, job.file_sha256, today.isoformat(), orgs)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        """A choice (MemberState.ACTIVE) is staged as its plain code; only objects other than the builtin
        containers, strings and numbers come here."""
        if isinstance(obj, enum.Enum) and isinstance(obj, str | int):
            return type(obj.value), (obj.value,)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    """Builtins (dict, list, tuple, str, int, bool, None) need no class lookup; dates, and str and int for the
    codes of choices, are the only classes built."""

    ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
               ("builtins", "str"), ("builtins", "int")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a staging file")


class StagingUnusable(Exception):
    """The staged work cannot be replayed (missing, altered, or what it relied on has changed)."""


ACTIONS = (None, "insert", "update")


def open_staging(job: ImportJob, *, today: dt.date, orgs: str) -> Iterator[list[tuple]]:
    """The staged chunks; StagingUnusable when the file is missing or unreadable, of an older format, staged on
    another day or against other organizations (today, orgs: the commit's own), or, once read to its end, not
    the file the analysis wrote (its SHA-256). The caller replays inside a savepoint, so a StagingUnusable raised
    after some chunks leaves nothing of them."""
    if not job.staged_sha256:
        raise StagingUnusable("no staging file")
    try:
        reader = _HashingReader(open(stored_path(staged_name(job)), "rb"))  # closed with `handle`
    except OSError as exc:
        raise StagingUnusable(f"staging file unreadable: {exc}") from exc
    handle = io.BufferedReader(reader)
    try:
        header = _Unpickler(handle).load()
    except Exception as exc:  # a damaged or foreign file: any error means "not this"
        handle.close()
        raise StagingUnusable("staging header unreadable") from exc
    if header != _header(job, today, orgs):
        handle.close()
        raise StagingUnusable("another format or file, or the day or the organizations changed since the preview")

    def chunks():
        with handle:
            while True:
                try:
                    chunk = _Unpickler(handle).load()
                except EOFError:
                    break
                except Exception as exc:  # a class outside the allowed ones, a damaged pickle, an I/O error
                    raise StagingUnusable("staging chunk unreadable") from exc
                if not (isinstance(chunk, list) and all(_well_formed(entry) for entry in chunk)):
                    raise StagingUnusable("staging chunk of another shape")
                yield chunk
            if reader.digest.hexdigest() != job.staged_sha256:
                raise StagingUnusable("staging file altered")

    return chunks()


def _well_formed(entry) -> bool:
    return (isinstance(entry, tuple) and len(entry) == 6 and isinstance(entry[0], int) and isinstance(entry[1], str)
            and entry[3] in ACTIONS and (entry[3] is None or isinstance(entry[4], dict)))

