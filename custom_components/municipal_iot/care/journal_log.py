"""A care journal's months on disk as JSON lines: appended, synced, validated on read.

A month's file starts with a header line ``{"version": 1, "month": "YYYY-MM"}``
and holds one entry (:meth:`JournalEntry.to_dict`) per line in the order written
(the journal sorts on load). An append costs its own lines, not the month.

A line that cannot be read (a write torn by a power cut, an edited file) is
dropped by name: the file is first copied aside as ``<file>.unreadable`` and then
rewritten without it, so the next append never lands behind a broken line.

Everything here blocks: call it from the executor, one call at a time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from ..supervision.journal import JournalEntry

LOG_VERSION = 1
SUFFIX = ".jsonl"


def header(month: str) -> bytes:
    """Return a month file's first line."""
    return orjson.dumps({"version": LOG_VERSION, "month": month}) + b"\n"


def encode(entry: JournalEntry) -> bytes:
    """Return an entry's line."""
    return orjson.dumps(entry.to_dict()) + b"\n"


@dataclass(slots=True)
class MonthRead:
    """What a month file held: its readable entries and a reason per line dropped."""

    entries: list[JournalEntry] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    backup: Path | None = None  # where the file was copied before it was cleaned


def _parse(month: str, number: int, line: bytes) -> JournalEntry | None:
    """Parse one line; None for the header; raise ValueError for anything unreadable."""
    item = orjson.loads(line)
    if not isinstance(item, Mapping):
        raise TypeError(f"{type(item).__name__} instead of an object")
    if number == 1 and "id" not in item:
        if item.get("version") != LOG_VERSION or item.get("month") != month:
            raise ValueError(f"header {item!r:.60} is not version {LOG_VERSION} of {month}")
        return None
    return JournalEntry.from_dict(item)


def read_month(path: Path, month: str) -> MonthRead | None:
    """Read a month file (None when there is none); clean it if a line was unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    read = MonthRead()
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            entry = _parse(month, number, line)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            read.dropped.append(f"{path.name} line {number}: {line[:80]!r} ({err})")
            continue
        if entry is not None:
            read.entries.append(entry)
    if read.dropped:
        read.backup = path.with_name(path.name + ".unreadable")
        shutil.copyfile(path, read.backup)
    if read.dropped or not raw.endswith(b"\n"):
        write_month(path, month, (encode(entry) for entry in read.entries))
    return read


def _sync_dir(directory: Path) -> None:
    """Make a created or renamed file's name durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_month(path: Path, month: str, lines: Iterable[bytes]) -> None:
    """Write a whole month file atomically (a temporary file, synced, then renamed)."""
    temporary = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with temporary.open("wb") as file:
        file.write(header(month))
        for line in lines:
            file.write(line)
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(path)
    _sync_dir(path.parent)


class MonthFiles:
    """The open month files of one journal: append, sync, remove, close."""

    def __init__(self, directory: Path, prefix: str) -> None:
        """Keep the files ``<directory>/<prefix><YYYY-MM>.jsonl``."""
        self._directory = directory
        self._prefix = prefix
        self._open: dict[str, BinaryIO] = {}
        self._unsynced: set[str] = set()

    def path(self, month: str) -> Path:
        """Return a month's file."""
        return self._directory / f"{self._prefix}{month}{SUFFIX}"

    def months(self) -> list[str]:
        """Return the months that have a file, by name."""
        try:
            names = os.listdir(self._directory)  # noqa: PTH208 - names only
        except OSError:
            return []
        return [
            name.removeprefix(self._prefix).removesuffix(SUFFIX)
            for name in names
            if name.startswith(self._prefix) and name.endswith(SUFFIX)
        ]

    def append(self, month: str, data: bytes | bytearray) -> None:
        """Append lines to a month (its file created with its header); undone on error."""
        file = self._open.get(month)
        if file is None:
            path = self.path(month)
            created = not path.exists()
            if created:
                self._directory.mkdir(parents=True, exist_ok=True)
            file = self._open[month] = path.open("ab")
            if created:
                file.write(header(month))
                file.flush()
                _sync_dir(self._directory)
        end = file.tell()
        try:
            file.write(data)
            file.flush()
        except OSError:
            # A torn append (disk full) is cut off again, so a retry starts on a clean line.
            file.truncate(end)
            raise
        self._unsynced.add(month)

    def sync(self) -> None:
        """Force the appended lines to the disk (fsync)."""
        for month in self._unsynced:
            if (file := self._open.get(month)) is not None:
                os.fsync(file.fileno())
        self._unsynced.clear()

    def remove(self, month: str) -> None:
        """Delete a month's file (retention)."""
        if (file := self._open.pop(month, None)) is not None:
            file.close()
        self._unsynced.discard(month)
        self.path(month).unlink(missing_ok=True)

    def close(self) -> None:
        """Sync and close every open file."""
        self.sync()
        for file in self._open.values():
            file.close()
        self._open.clear()

    def write(
        self, appends: Mapping[str, bytes | bytearray], removals: Iterable[str], *, sync: bool
    ) -> tuple[dict[str, bytes | bytearray], str]:
        """One batch: remove months, append lines, sync when asked.

        Returns the appends that failed (to be tried again) and the last error.
        """
        failed: dict[str, bytes | bytearray] = {}
        error = ""
        for month in removals:
            try:
                self.remove(month)
            except OSError as err:
                error = str(err)
        for month, data in appends.items():
            try:
                self.append(month, data)
            except OSError as err:
                failed[month], error = data, str(err)
        if sync:
            try:
                self.sync()
            except OSError as err:
                error = str(err)
        return failed, error
