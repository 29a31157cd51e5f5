"""The processes of a chaos run, each in its own session with its log in the run folder: the
chain, the flaky proxy, Tansu, the API and the workers. Only the API and the workers are ever
killed (kill -9) and started again; each start gets a log of its own (api-3.log)."""

import http.client
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from .postgres import DataDirectory, server_user

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
READY = re.compile(r"^READY (http://\S+)$", re.MULTILINE)
WORKER_HEALTH = "worker health server listening"


class StackError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout: float = 2.0) -> bool:
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    try:
        connection = http.client.HTTPConnection(name, int(port), timeout=timeout)
        connection.request("GET", "/" + rest)
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def loadavg() -> str:
    """The load averages over 1, 5 and 15 minutes, for a benchmark's header."""
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


class Proc:
    """One started process: its own session (a signal to the harness never reaches it), stdout
    and stderr in `log`, no BROADCASTER_* variables from the caller's shell."""

    def __init__(self, name: str, argv: list[str], folder: Path, cwd: Path | None = None,
                 user: str | None = None) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
        with open(self.log, "wb") as log:
            self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          cwd=cwd or folder, env=environment, start_new_session=True, user=user)
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def count(self, marker: str) -> int:
        return self.text().count(marker)

    def wait_for(self, check, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if not self.running():
                raise StackError(f"{self.name} exited ({self.popen.returncode}) before {what}; "
                                 f"its log is {self.log}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise StackError(f"{self.name} did not get to {what} within {timeout:.0f} s; "
                                 f"its log is {self.log}:\n{self.tail()}")
            time.sleep(0.1)

    def ready_url(self, timeout: float = 60) -> str:
        """The URL of a devchain process's `READY http://…` line."""
        self.wait_for(lambda: READY.search(self.text()), "its READY line", timeout)
        return READY.search(self.text()).group(1)

    def metrics_url(self, timeout: float = 30) -> str:
        """A worker's `/metrics` URL, from the address its health server logs on start."""
        self.wait_for(lambda: WORKER_HEALTH in self.text(), f"'{WORKER_HEALTH}'", timeout)
        for line in self.text().splitlines():
            if WORKER_HEALTH in line:
                for part in line.split():
                    if part.startswith("address="):
                        return f"http://{part.removeprefix('address=')}/metrics"
        raise StackError(f"the worker's health server address is not in its log {self.log}")

    def kill9(self) -> None:
        if self.running():
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, grace: float = 5) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.running():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill9()


class Stack:
    """Starts and restarts the run's processes. `api` and `workers[i]` are the current ones."""

    def __init__(self, folder: Path, binary: Path) -> None:
        self.folder = folder
        self.binary = binary
        self.generation = 0
        self.everything: list[Proc] = []
        self.chain: Proc | None = None
        self.chain_url = ""
        self.proxy_url = ""
        self.broker = ""
        self.api: Proc | None = None
        self.api_port = free_port()
        self.workers: dict[int, Proc] = {}
        self.config_path = folder / "broadcaster.json"
        self.postgres_url: str | None = None
        self.postgres_data: DataDirectory | None = None

    def _start(self, name: str, argv: list[str], cwd: Path | None = None, user: str | None = None) -> Proc:
        proc = Proc(name, argv, self.folder, cwd=cwd, user=user)
        self.everything.append(proc)
        # Each in its own session: should the harness itself be killed, this says what to stop.
        with open(self.folder / "pids", "a") as pids:
            pids.write(f"{proc.pid} {name}\n")
        return proc

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # The parts that are never killed --------------------------------------------------------

    def start_chain(self, block_time: float, seed: int, evict_probability: float) -> str:
        self.chain = self._start("chain", [str(PYTHON), str(REPO / "devchain" / "node.py"), "--port", "0",
                                           "--block-time", str(block_time), "--seed", str(seed),
                                           "--evict-probability", str(evict_probability)])
        self.chain_url = self.chain.ready_url()
        return self.chain_url

    def start_proxy(self, seed: int, time_scale: float, p_silent: float, p_error: float,
                    forward_fraction: float) -> str:
        proxy = self._start("flaky-proxy", [
            str(PYTHON), str(REPO / "devchain" / "flaky_proxy.py"), "--upstream", self.chain_url, "--port", "0",
            "--seed", str(seed), "--time-scale", str(time_scale), "--p-silent", str(p_silent),
            "--p-error", str(p_error), "--silent-forward-fraction", str(forward_fraction)])
        self.proxy_url = proxy.ready_url()
        return self.proxy_url

    def start_broker(self) -> str:
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        tansu = self._start("tansu", [str(REPO / "scripts" / "tansu"), "broker", "--listener-url", url,
                                      "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"])
        tansu.wait_for(lambda: port_open(port), f"listening on {port}", 60)
        self.broker = f"127.0.0.1:{port}"
        created = subprocess.run([str(REPO / "kafka" / "create-topics"), "--tool", "tansu", "--broker", self.broker],
                                 capture_output=True, text=True, timeout=120)
        (self.folder / "create-topics.log").write_text(created.stdout + created.stderr)
        if created.returncode != 0:
            raise StackError(f"creating the topics failed: {created.stdout}{created.stderr}")
        return self.broker

    def start_postgres(self) -> str:
        """A PostgreSQL server for `--store postgres`; its URL for store.url."""
        self.postgres_data = DataDirectory()
        port = free_port()
        server = self._start("postgres", self.postgres_data.server_argv(port), cwd=self.postgres_data.root,
                             user="postgres" if os.geteuid() == 0 else None)
        server.wait_for(lambda: port_open(port), f"listening on {port}", 60)
        self.postgres_data.create_database(port, "broadcaster")
        self.postgres_url = f"postgres://{server_user()}@127.0.0.1:{port}/broadcaster?sslmode=disable"
        return self.postgres_url

    def _role_directory(self, name: str) -> Path | None:
        """On PostgreSQL each API and worker runs in a folder of its own, sharing no file with
        the others, as on separate hosts."""
        if self.postgres_url is None:
            return None
        directory = self.folder / "hosts" / name
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    # The API and the workers -------------------------------------------------------------

    def start_api(self, timeout: float = 90) -> Proc:
        self.generation += 1
        name = f"api-{self.generation}"
        self.api = self._start(name, [str(self.binary), "api", "--config", str(self.config_path)],
                               cwd=self._role_directory(name))
        self.api.wait_for(lambda: http_ok(f"{self.api_url}/readyz"), "/readyz answering 200", timeout)
        return self.api

    def start_worker(self, number: int, wait_assigned: bool, timeout: float = 90) -> Proc:
        self.generation += 1
        name = f"worker-{number}-{self.generation}"
        worker = self._start(name, [str(self.binary), "worker", "--config", str(self.config_path)],
                             cwd=self._role_directory(name))
        self.workers[number] = worker
        if wait_assigned:
            # Tansu holds a JoinGroup for about half the session timeout; a rebalance may take two.
            worker.wait_for(lambda: "partitions assigned" in worker.text(), "'partitions assigned'", timeout)
        return worker

    def running_workers(self) -> list[int]:
        return [n for n, w in self.workers.items() if w.running()]

    def members(self) -> list[int]:
        """Workers running and in the consumer group (assigned at least once since their start)."""
        return [n for n, w in self.workers.items() if w.running() and "partitions assigned" in w.text()]

    def stop_all(self) -> None:
        """The API and workers first (they talk to the rest), then the broker, proxy, chain."""
        for proc in reversed(self.everything):
            if proc.name.startswith(("api-", "worker-")):
                proc.kill9()
        for proc in reversed(self.everything):
            proc.stop()
        if self.postgres_data is not None:
            self.postgres_data.remove()
