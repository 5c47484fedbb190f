"""A private PostgreSQL server for the recorder tests and the report benchmark.

Debian's ``postgresql`` (installed by scripts/setup) is started from its binaries with
``initdb`` in a temporary data directory, listening only on a Unix socket in that
directory (HA's test plugin blocks network sockets in tests; no port can clash), with
trust authentication. PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` user the Debian package creates (``runuser``).
The packaged cluster and its service are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2

_READY_TIMEOUT = 30.0  # seconds


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL's binaries are missing or the server did not start."""


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise PostgresUnavailableError("Debian's postgresql is not installed: run scripts/setup")
    return found[-1].parent


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running server: make a database per test with :meth:`database`."""

    sockets: Path  # the directory of the server's Unix socket

    def url(self, database: str) -> str:
        """Return the SQLAlchemy URL of a database on this server."""
        return f"postgresql://postgres@/{database}?host={self.sockets}"

    def _admin(self) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(host=str(self.sockets), user="postgres", dbname="postgres")
        conn.autocommit = True
        return conn

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """Create an empty database; yield its URL; drop it (and its connections) after."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        with contextlib.closing(self._admin()) as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
        try:
            yield self.url(name)
        finally:
            with contextlib.closing(self._admin()) as conn, conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL server; stop it and delete its data after."""
    bindir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="municipal_iot_pg_"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    log = root / "server.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(  # noqa: S603 - our own argv, Debian's binaries
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        with log.open("wb") as out:
            server = subprocess.Popen(  # noqa: S603 - our own argv
                _as_server_user(
                    [
                        str(bindir / "postgres"),
                        "-D",
                        str(data),
                        "-k",
                        str(sockets),
                        "-c",
                        "listen_addresses=",
                        # A test database: durability is not what is measured.
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                    ]
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_ready(sockets, server, log)
        yield PostgresServer(sockets)
    finally:
        if server is not None:
            server.terminate()  # smart shutdown
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(sockets: Path, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PostgresUnavailableError(f"postgres exited: {log.read_text(errors='replace')}")
        try:
            psycopg2.connect(host=str(sockets), user="postgres", dbname="postgres").close()
        except psycopg2.OperationalError:
            time.sleep(0.1)
        else:
            return
    raise PostgresUnavailableError(f"postgres did not start: {log.read_text(errors='replace')}")
