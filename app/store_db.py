"""The connection under :class:`app.store.Store`: opening, migrations, transactions, errors, JSON.

Threads: the desktop app calls the store from worker threads, so a store keeps ONE connection opened
with ``check_same_thread=False`` and serialises every call with a lock. Calls are short (single-row
writes, small reads), so the lock costs nothing noticeable and gives one order to audit appends. Other
processes (the CLI while the app runs) have their own connection: WAL lets them read while we write, and
a 10 s busy timeout plus ``BEGIN IMMEDIATE`` for every write makes writers wait instead of failing.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlite_utils import Database

from app import migrations
from inference.errors import StorageError

log = logging.getLogger("inhouse.store")
BUSY_TIMEOUT_S = 10.0
# SQLite result codes that mean "the environment failed" (disk, locks, damage), not "we have a bug".
_ENVIRONMENT_ERRORS = (
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN",
    "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_AUTH",
)  # fmt: skip


def utc_iso(moment: datetime | None = None) -> str:
    """UTC ISO-8601 with microseconds (a naive datetime is taken as UTC): sorts and compares as text."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class StoreBase:
    """Opens the file (creating folders), turns on WAL, applies migrations; owns lock and connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        with _environment_errors(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_atomically(self.path)
            _refuse_empty_file(self.path)
            self._conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
            try:
                self._prepare()
            except BaseException as exc:
                self._conn.close()
                if isinstance(exc, StorageError) or not isinstance(exc, Exception):
                    raise
                log.debug("could not prepare the database %s", self.path, exc_info=True)
                raise DamagedDatabase(f"The database {self.path} could not be opened: it looks damaged "
                                      f"({type(exc).__name__}: {exc}).") from exc

    def _prepare(self) -> None:
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA secure_delete = ON")
        db = Database(self._conn, execute_plugins=False)
        db.enable_wal()
        migrations.apply(db)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock from the start (no upgrade deadlocks)."""
        with self._lock, _environment_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: the SELECTs inside it see one consistent state."""
        with self._lock, _environment_errors(self.path):
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (best effort while others read)."""
        with self._lock, _environment_errors(self.path):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _select(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock, _environment_errors(self.path):
            cursor = self._conn.cursor()
            cursor.row_factory = sqlite3.Row
            return cursor.execute(sql, params).fetchall()


class EmptyDatabase(StorageError):
    hint = ("The file may have been truncated (a full disk, a sync tool, a crash). Inhouse did not replace it: "
            "restore it from a backup, or move it aside and Inhouse will start a new, empty one.")


class DamagedDatabase(StorageError):
    """Any failure while opening or preparing the file (Python's sqlite3 raises UnicodeDecodeError for a
    corrupt schema text, for example): the store is unusable, never a traceback."""

    hint = ("Inhouse did not change the file. Restore it from a backup, or move it aside and Inhouse will start "
            "a new, empty one; local answers work meanwhile, without history or the audit log.")


def _create_atomically(path: Path) -> None:
    """A new database appears complete (its first page written) or not at all, so a zero-byte file is
    never a database being created by another process: it is always damage."""
    if path.exists():
        return
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    try:
        conn = sqlite3.connect(str(tmp))
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # writes the header page
        finally:
            conn.close()
        try:
            os.link(tmp, path)  # never replaces a database another process created meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _refuse_empty_file(path: Path) -> None:
    """A zero-byte database is reported, never silently turned into a new one (that would hide the loss
    of the history and the audit log)."""
    try:
        empty = path.stat().st_size == 0
    except FileNotFoundError:
        return
    if empty:
        raise EmptyDatabase(f"The database {path} is empty (0 bytes): history and the audit log are gone from it.")


class Unavailable(StoreBase):
    """Mixed into a store class first: stands in for a database that cannot be opened. Every call raises
    the ``StorageError`` that says why, so history and the audit log are reported unavailable while local
    answers keep working."""

    def __init__(self, path: Path, error: StorageError) -> None:  # noqa: D107 - opens nothing
        self.path = Path(path)
        self._lock = threading.RLock()
        self.error = error

    def close(self) -> None:
        return None

    def _fail(self) -> StorageError:
        return StorageError(f"History and the audit log are unavailable: {self.error}", self.error.hint)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        raise self._fail()
        yield  # pragma: no cover

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        raise self._fail()
        yield  # pragma: no cover

    def _checkpoint(self) -> None:
        raise self._fail()

    def _select(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        raise self._fail()


def rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
        raise RuntimeError("INSERT did not return a row id")
    return cursor.lastrowid


def money(cost_usd: float) -> float:
    cost = float(cost_usd)
    if not math.isfinite(cost) or cost < 0:
        raise ValueError(f"cost_usd must be a finite amount of 0 or more, not {cost_usd!r}")
    return cost


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> object:
    """numpy scalars/arrays (``tolist``) and dataclasses become plain JSON; anything else is a bug."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


@contextmanager
def _environment_errors(path: Path) -> Iterator[None]:
    """Turn disk/lock/damage failures into a StorageError the user can act on; bugs stay bugs."""
    try:
        yield
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(_ENVIRONMENT_ERRORS):
            raise
        raise StorageError(f"Could not use the database {path}: {exc}") from exc
    except UnicodeDecodeError as exc:  # text that is not UTF-8 inside the file: damage, not a bug of ours
        raise DamagedDatabase(f"Could not use the database {path}: it holds damaged text ({exc}).") from exc
    except OSError as exc:
        raise StorageError(f"Could not use the database {path}: {exc}") from exc
