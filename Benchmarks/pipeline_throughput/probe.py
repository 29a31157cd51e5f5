"""Reads what the run's processes are doing: the sink's counters, a worker's gauges, any
process's memory and CPU time."""

import json
import os
import re
from pathlib import Path

from tracking_throughput.sampler import get

TICKS = os.sysconf("SC_CLK_TCK")
METRIC = re.compile(r'^(broadcaster_worker_(?:in_flight|backlog|chain_head)) ([0-9.eE+-]+)$')


def sink_stats(url: str) -> dict:
    body = get(f"{url}/stats")
    try:
        return json.loads(body) if body else {}
    except ValueError:
        return {}


def worker_gauges(metrics_url: str) -> dict[str, float]:
    """broadcaster_worker_in_flight, _backlog and _chain_head; empty when the worker does not answer."""
    values = {}
    for line in (get(metrics_url) or b"").decode(errors="replace").splitlines():
        match = METRIC.match(line.strip())
        if match:
            values[match.group(1).removeprefix("broadcaster_worker_")] = float(match.group(2))
    return values


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system time of `pid` and its waited-for children (stat fields 14-17)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS


def connections_to(port: int) -> int:
    """ESTABLISHED TCP connections whose remote end is 127.0.0.1:`port` (the callers' side)."""
    wanted = f"0100007F:{port:04X}"
    count = 0
    for table in ("/proc/net/tcp",):
        try:
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if len(parts) > 3 and parts[2] == wanted and parts[3] == "01":
                    count += 1
        except OSError:
            pass
    return count
