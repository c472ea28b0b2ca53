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
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass

from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.services.storage import stored_path

STAGING_FORMAT = 1


@dataclass(frozen=True)
class StagingHeader:
    """What the staged work depended on: the file, the day (date rules), the organizations of the subtree."""

    format: int
    file_sha256: str
    today: dt.date
    orgs: str  # OrgIndex.fingerprint


def staged_name(job: ImportJob) -> str:
    return f"imports/{job.pk}.staged"


class _HashingWriter(io.RawIOBase):
    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class StagingWriter:
    """Opened by the analysis; `close()` returns the file's SHA-256, `discard()` removes it."""

    def __init__(self, job: ImportJob, header: StagingHeader):
        self.path = stored_path(staged_name(job))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
        self._out = _HashingWriter(self._file)
        self._dump(_header_tuple(header))

    def _dump(self, value) -> None:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        self._out.write(buffer.getbuffer())

    def add(self, entries: list[tuple]) -> None:
        self._dump(entries)

    def close(self) -> str:
        self._file.close()
        return self._out.digest.hexdigest()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def _header_tuple(header: StagingHeader) -> tuple:
    return (header.format, header.file_sha256, header.today.isoformat(), header.orgs)


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


def open_staging(job: ImportJob, *, today: dt.date, orgs: str) -> Iterator[list[tuple]]:
    """The staged chunks; StagingUnusable when the file is missing, altered or of an older format, or was staged
    on another day or against other organizations (today, orgs: the commit's own)."""
    path = stored_path(staged_name(job))
    if not job.staged_sha256 or not path.exists():
        raise StagingUnusable("no staging file")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != job.staged_sha256:
        raise StagingUnusable("staging file altered")
    handle = open(path, "rb")  # closed here or by the chunk iterator
    try:
        raw = _Unpickler(handle).load()
        header = StagingHeader(raw[0], raw[1], dt.date.fromisoformat(raw[2]), raw[3])
    except Exception as exc:
        handle.close()
        raise StagingUnusable("staging header unreadable") from exc
    if header.format != STAGING_FORMAT or header.file_sha256 != job.file_sha256:
        handle.close()
        raise StagingUnusable("staging file of another format or file")
    if header.today != today or header.orgs != orgs:
        handle.close()
        raise StagingUnusable("the day or the organizations changed since the preview")

    def chunks():
        with handle:
            while True:
                try:
                    chunk = _Unpickler(handle).load()
                except EOFError:
                    return
                except Exception as exc:  # a class outside the allowed ones, a damaged pickle
                    raise StagingUnusable("staging chunk unreadable") from exc
                yield chunk

    return chunks()


def discard_staging(job: ImportJob) -> None:
    stored_path(staged_name(job)).unlink(missing_ok=True)
