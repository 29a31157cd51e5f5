"""A throwaway PostgreSQL server for a chaos run on `--store postgres`: Debian's binaries, a
fresh data directory in a temporary folder, loopback only, a port of its own, trust
authentication. initdb and postgres refuse to run as root, so as root they run as the
`postgres` user (subprocess's `user=`, so that the server is the harness's own child and its
signals reach it), which then owns the data directory."""

import getpass
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresMissing(Exception):
    pass


def binaries() -> Path:
    """The folder of Debian's newest installed PostgreSQL binaries."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    if not found:
        raise PostgresMissing("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/install-deps")
    return found[-1].parent


def server_user() -> str:
    """Who runs the server: `postgres` for root, else the caller."""
    return "postgres" if os.geteuid() == 0 else getpass.getuser()


def run_as_server_user(argv: list[str]) -> None:
    user = "postgres" if os.geteuid() == 0 else None
    subprocess.run(argv, check=True, capture_output=True, timeout=120, user=user, cwd="/")


class DataDirectory:
    """initdb into a fresh temporary folder; `remove()` deletes it."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="broadcaster-postgres-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        run_as_server_user([str(self.bin / "initdb"), "-D", str(self.data), "-U", server_user(),
                            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])

    def server_argv(self, port: int) -> list[str]:
        """The server in the foreground, run as `server_user()`: the harness's Proc runs and
        stops it like the rest."""
        return [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
                "-c", "fsync=off", "-c", "max_connections=200"]

    def create_database(self, port: int, name: str) -> None:
        run_as_server_user([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", server_user(), name])

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
