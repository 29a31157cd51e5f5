"""What the benchmark watches while the pipeline runs, once a `--sample` interval: the flaky
proxy's counters (every node call of the worker passes there), the worker's `/metrics`, its
memory, the chain's head read from the node directly, and the worker's log, whose
"transaction confirmed" lines (with their block) are the confirmations counted.
"""

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos_harness.rpc import ChainClient, quantity

CONFIRMED = "] transaction confirmed"
ENDED = "] request ended"          # a final status other than confirmed (warning)
SIGNED = "] transaction signed"    # intake stored and signed a new request
LANE = "] working the sender"
BLOCK = re.compile(r"\bblock=(\d+)")
REQUEST = re.compile(r"\brequest_id=([0-9a-f-]{36})")
STATUS = re.compile(r"\bstatus=(\w+)")
METRIC = re.compile(r'^(broadcaster_worker_[a-z_]+)(?:\{([^}]*)\})? ([0-9.eE+-]+|NaN)$')
LABEL = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Sample:
    at: float                  # time.monotonic()
    proxy_requests: int        # node calls the proxy received so far
    proxy_in_flight: int
    worker_in_flight: int      # broadcaster_worker_in_flight (the lanes' calls, set every 5 s)
    worker_backlog: int
    rss_kb: int
    confirmed: int
    head: int | None           # the chain's head (from the node, not the proxy)


@dataclass
class Confirmation:
    at: float
    block: int
    request_id: str


@dataclass
class Watch:
    samples: list[Sample] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    ended: list[tuple[float, str, str]] = field(default_factory=list)   # (at, request id, status)
    signed_at: list[float] = field(default_factory=list)
    lanes_at: list[float] = field(default_factory=list)
    block_seen: dict[int, float] = field(default_factory=dict)          # block number -> first seen


def get(url: str, timeout: float = 5.0) -> bytes | None:
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    try:
        connection = http.client.HTTPConnection(name, int(port), timeout=timeout)
        try:
            connection.request("GET", "/" + rest)
            response = connection.getresponse()
            body = response.read()
            return body if response.status == 200 else None
        finally:
            connection.close()
    except (OSError, http.client.HTTPException):
        return None


def proxy_stats(proxy_url: str) -> dict:
    body = get(f"{proxy_url}/stats")
    try:
        return json.loads(body) if body else {}
    except ValueError:
        return {}


def worker_metrics(metrics_url: str) -> dict[tuple[str, tuple], float]:
    """The worker's metrics as {(name, sorted labels): value}; empty when it does not answer."""
    body = get(metrics_url)
    values: dict[tuple[str, tuple], float] = {}
    for line in (body or b"").decode(errors="replace").splitlines():
        match = METRIC.match(line.strip())
        if match:
            labels = tuple(sorted(LABEL.findall(match.group(2) or "")))
            values[(match.group(1), labels)] = float(match.group(3))
    return values


def calls_by_method(metrics: dict[tuple[str, tuple], float]) -> dict[str, int]:
    """Calls per JSON-RPC method, every outcome, from the duration histogram's counts."""
    counts: dict[str, int] = {}
    for (name, labels), value in metrics.items():
        if name == "broadcaster_worker_rpc_duration_seconds_count":
            method = dict(labels).get("method", "?")
            counts[method] = counts.get(method, 0) + int(value)
    return counts


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB; zeros once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def kb(key: str) -> int:
        return int(fields.get(key, "0 kB").split()[0])
    return kb("VmRSS"), kb("VmHWM")


class Sampler(threading.Thread):
    def __init__(self, *, proxy_url: str, metrics_url: str, chain_url: str, worker_pid: int, worker_log: Path,
                 interval: float) -> None:
        super().__init__(name="sampler", daemon=True)
        self.proxy_url = proxy_url
        self.metrics_url = metrics_url
        self.worker_pid = worker_pid
        self.worker_log = worker_log
        self.interval = interval
        self.chain = ChainClient(chain_url, timeout=10)
        self.watch = Watch()
        self.peak_rss_kb = 0
        self._offset = 0
        self._partial = b""
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)
        self.chain.close()

    def confirmed(self) -> int:
        with self._lock:
            return len(self.watch.confirmations)

    def finished(self) -> int:
        """Requests that reached a final status (confirmed or not)."""
        with self._lock:
            return len(self.watch.confirmations) + len(self.watch.ended)

    def last(self) -> Sample | None:
        with self._lock:
            return self.watch.samples[-1] if self.watch.samples else None

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample_once()
            self._halt.wait(self.interval)
        self.sample_once()

    def sample_once(self) -> None:
        now = time.monotonic()
        self._read_log(now)
        head = None
        try:
            head = quantity(self.chain.call("eth_blockNumber"))
        except Exception:   # the chain is the benchmark's own; a missed sample is not fatal
            pass
        stats = proxy_stats(self.proxy_url)
        metrics = worker_metrics(self.metrics_url)
        rss, hwm = rss_kb(self.worker_pid)
        with self._lock:
            if head is not None:
                known = max(self.watch.block_seen, default=head)
                for number in range(min(known + 1, head), head + 1):
                    self.watch.block_seen.setdefault(number, now)
            self.peak_rss_kb = max(self.peak_rss_kb, hwm, rss)
            self.watch.samples.append(Sample(
                at=now, proxy_requests=int(stats.get("requests", 0)), proxy_in_flight=int(stats.get("in_flight", 0)),
                worker_in_flight=int(metrics.get(("broadcaster_worker_in_flight", ()), 0)),
                worker_backlog=int(metrics.get(("broadcaster_worker_backlog", ()), 0)),
                rss_kb=rss, confirmed=len(self.watch.confirmations), head=head))

    def _read_log(self, now: float) -> None:
        try:
            with open(self.worker_log, "rb") as log:
                log.seek(self._offset)
                chunk = log.read()
        except OSError:
            return
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        with self._lock:
            for raw in lines:
                line = raw.decode(errors="replace")
                if CONFIRMED in line:
                    block, request = BLOCK.search(line), REQUEST.search(line)
                    self.watch.confirmations.append(Confirmation(
                        at=now, block=int(block.group(1)) if block else -1,
                        request_id=request.group(1) if request else ""))
                elif ENDED in line:
                    request, status = REQUEST.search(line), STATUS.search(line)
                    self.watch.ended.append((now, request.group(1) if request else "",
                                             status.group(1) if status else "?"))
                elif SIGNED in line:
                    self.watch.signed_at.append(now)
                elif LANE in line:
                    self.watch.lanes_at.append(now)
