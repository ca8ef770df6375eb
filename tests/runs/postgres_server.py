"""A throwaway PostgreSQL server for the database tests and benchmarks: initdb + pg_ctl.

The server runs from a temporary folder on a free local port. PostgreSQL refuses to run as
root, so under root (CI) the cluster belongs to an unprivileged system user created for it.
The superuser ``crm`` authenticates with a password over TCP (so that password handling is
tested) and without one over the Unix socket.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = [Path(f"/usr/lib/postgresql/{version}/bin") for version in (17, 16, 15)]
SERVICE_USER = "crm-pgtest"
SUPERUSER = "crm"
PASSWORD = "s3cret-pw"
DATABASE = "crm"


@dataclass
class PostgresServer:
    """A running server: where to reach it and how to stop it."""

    root: Path
    bin_dir: Path
    port: int
    socket_dir: Path
    user: str | None

    @property
    def url(self) -> str:
        """TCP URL with the password (what a user would pass, never what gets logged)."""
        return f"postgresql://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def url_without_password(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def socket_url(self) -> str:
        """URL through the Unix socket, libpq's ``host=`` and ``port=`` query parameters."""
        return f"postgresql://{SUPERUSER}@/{DATABASE}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        _run(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            user=self.user,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def find_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian's layout, else the PATH)."""
    for folder in BIN_DIRS:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def start_server(*, fast: bool = True) -> PostgresServer:
    """Start a fresh server; ``fast`` turns off fsync (tests kill clients, never the server).

    Raises
    ------
    RuntimeError
        With the reason, when the binaries are missing or the server does not start.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        )
    user = _service_user() if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="crm-pg-"))
    root.chmod(0o755)
    socket_dir = root / "socket"
    socket_dir.mkdir()
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n")
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, socket_dir, password_file):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    data = root / "data"
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(password_file),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        user=user,
    )
    port = _free_port()
    settings = [
        f"-p {port}",
        f"-k {socket_dir}",
        "-c listen_addresses=127.0.0.1",
        "-c max_connections=50",
    ]
    if fast:
        settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    server = PostgresServer(root=root, bin_dir=bin_dir, port=port, socket_dir=socket_dir, user=user)
    try:
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(root / "server.log"),
                "-o",
                " ".join(settings),
                "start",
            ],
            user=user,
        )
        _run(
            [
                str(bin_dir / "createdb"),
                "-h",
                str(socket_dir),
                "-p",
                str(port),
                "-U",
                SUPERUSER,
                DATABASE,
            ],
            user=user,
        )
    except RuntimeError as error:
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        server.stop()
        raise RuntimeError(f"{error}\n{log[-2000:]}") from None
    return server


def _service_user() -> str:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd")
        if useradd is None:
            raise RuntimeError(
                "running as root without useradd: cannot make a user for the server"
            ) from None
        # Another test worker may create it at the same moment: only its absence afterwards is an error.
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            capture_output=True,
            check=False,
        )
        pwd.getpwnam(SERVICE_USER)
    return SERVICE_USER


def _run(command: list[str], *, user: str | None, check: bool = True) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        command, user=user, env=env, cwd="/", capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
