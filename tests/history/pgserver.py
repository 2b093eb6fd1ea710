"""A throwaway PostgreSQL 15 cluster: initdb + pg_ctl as an unprivileged user on 127.0.0.1."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

__all__ = ["BIN", "SYSTEM_USER", "PgServer", "start_server"]

BIN = Path("/usr/lib/postgresql/15/bin")
#: The system user that runs the server when the tests run as root (postgres refuses root).
SYSTEM_USER = "qametrics-pg"
ADMIN = "qa_admin"
USER = "qa_writer"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> list[str]:
    """The command prefix that runs a program as an unprivileged user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
    return ["runuser", "-u", SYSTEM_USER, "--"]


@dataclass
class PgServer:
    """A running cluster: an admin (trust over the socket) and a password-auth user on TCP."""

    root: Path
    port: int
    password: str
    prefix: list[str]
    databases: list[str] = field(default_factory=list)

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def admin(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A connection of the admin over the Unix socket (trust)."""
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=ADMIN, dbname=database, autocommit=True
        )

    def url(self, database: str, password: str | None = None, port: int | None = None) -> str:
        """A postgresql:// URL of the password user over TCP."""
        secret = self.password if password is None else password
        return f"postgresql://{USER}:{secret}@127.0.0.1:{port or self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database owned by the password user; return its name."""
        name = f"history_{len(self.databases) + 1}_{secrets.token_hex(3)}"
        with self.admin() as db:
            db.execute(f'CREATE DATABASE "{name}" OWNER {USER}')
        self.databases.append(name)
        return name

    def stop(self) -> None:
        subprocess.run(
            [
                *self.prefix,
                str(BIN / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "fast",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PgServer:
    """Initialise and start a cluster; the caller stops it."""
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="qametrics-pg-"))
    (root / "socket").mkdir()
    password = secrets.token_urlsafe(12)
    (root / "pw").write_text("admin-unused\n", encoding="utf-8")
    if prefix:
        shutil.chown(root, SYSTEM_USER)
        for child in root.iterdir():
            shutil.chown(child, SYSTEM_USER)
    initdb = [
        str(BIN / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        ADMIN,
        "--pwfile",
        str(root / "pw"),
    ]
    initdb += ["--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]
    subprocess.run([*prefix, *initdb], check=True, capture_output=True)
    for attempt in range(3):  # another process may take the probed port before the server does
        port = _free_port()
        options = f"-p {port} -k {root / 'socket'} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = [str(BIN / "pg_ctl"), "-D", str(root / "data"), "-o", options]
        start += ["-l", str(root / "server.log"), "-w", "start"]
        started = subprocess.run([*prefix, *start], check=False, capture_output=True, text=True)
        if started.returncode == 0:
            break
        if attempt == 2:
            log = (root / "server.log").read_text(errors="replace")
            raise RuntimeError(f"pg_ctl start failed: {started.stderr}\n{log}")
    server = PgServer(root, port, password, prefix)
    with server.admin() as db:
        db.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{password}'")
    return server
