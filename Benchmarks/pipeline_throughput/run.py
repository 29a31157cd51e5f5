"""The order of one run: the sink alone (its capacity, and the calls it answers at the run's
latency with 25,000 held), then the pipeline: Tansu, the sink behind the run's latency, the
API, the requests topic filled through the API, then the workers started and watched for a
warm-up and a window. The figures are the window's."""

import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from chaos_harness import config
from chaos_harness.senders import Sender
from chaos_harness.stack import PYTHON, Proc, Stack, StackError, loadavg

from . import poster, probe, reference
from .options import Options

SINK = Path(__file__).resolve().parent / "sink.py"
A_YEAR = 365 * 24 * 3600
HOLD = 25_000


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


@dataclass
class Sample:
    at: float
    sink: dict
    gauges: list[dict]
    worker_rss_kb: int
    cpu: dict[str, float]


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)


def main(options: Options) -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    folder = options.run_dir
    folder.mkdir(parents=True, exist_ok=True)
    load_before = loadavg()
    say(f"pipeline-throughput in {folder}: {options.workers} workers on {options.store}, {options.senders} senders, "
        f"{options.requests} requests, node latency {options.latency[0]:g}-{options.latency[1]:g} s; "
        f"load average {load_before}")
    stack = Stack(folder, options.binary)
    sinks: list[Proc] = []
    code = 3
    try:
        capacity = holding = None
        if options.reference:
            capacity, holding = _reference(folder, options, sinks)
        sink, sink_url = _start_sink(folder, "sink", options.latency, options, sinks)
        stack.start_broker()
        postgres_url = stack.start_postgres() if options.store == "postgres" else None
        senders = [Sender(index) for index in range(1, options.senders + 1)]
        _write_config(folder, options, stack, sink_url, senders, postgres_url)
        stack.start_api()
        say(f"filling the requests topic: {options.requests} POSTs, {options.post_concurrency} at a time")
        answered, took = poster.post(stack.api_port, senders, options.requests, options.post_concurrency, say)
        say(f"  {answered} answered 200 in {took:.1f} s ({answered / took:.0f}/s)")

        workers = [stack.start_worker(number, wait_assigned=False) for number in range(1, options.workers + 1)]
        started = time.monotonic()
        idle_rss = 0
        metrics = []
        for worker in workers:
            metrics.append(worker.metrics_url(60))
            idle_rss += probe.rss_kb(worker.pid)
        say(f"{len(workers)} workers started (pids {[w.pid for w in workers]}); warm-up {options.warmup:.0f} s, "
            f"window {options.window:.0f} s")
        run = Run()
        end = started + options.warmup + options.window
        drained_at = None
        last_report = 0.0
        while time.monotonic() < end:
            time.sleep(options.sample)
            sample = Sample(at=time.monotonic(), sink=probe.sink_stats(sink_url),
                            gauges=[probe.worker_gauges(url) for url in metrics],
                            worker_rss_kb=sum(probe.rss_kb(w.pid) for w in workers), cpu=_cpu(stack, sink))
            run.samples.append(sample)
            for worker in workers:
                if not worker.running():
                    raise StackError(f"{worker.name} exited; its log is {worker.log}:\n{worker.tail()}")
            if sample.sink.get("mined", 0) >= answered and drained_at is None:
                drained_at = sample.at
                say("every posted request is mined: the window ends early")
                break
            if sample.at - last_report >= 15:
                last_report = sample.at
                sink_line = (f"sink accepted {sample.sink.get('sends_accepted', 0)}, mined "
                             f"{sample.sink.get('mined', 0)}, {sample.sink.get('in_flight_sends', 0)} sends and "
                             f"{sample.sink.get('in_flight_calls', 0)} calls in flight on "
                             f"{sample.sink.get('connections', 0)} connections") if sample.sink \
                    else "the sink did not answer /stats in time (sample left out)"
                say(f"{sample.at - started:5.0f} s: {sink_line}; workers {_sum(sample.gauges, 'in_flight'):.0f} in flight, "
                    f"{_sum(sample.gauges, 'backlog'):.0f} unsent, RSS {sample.worker_rss_kb // 1024} MB")
        figures = _figures(run, started, options, idle_rss, answered, took)
        header = (f"Broadcaster pipeline throughput, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                  f"{os.cpu_count()} cores, load before: {load_before}, after: {loadavg()}\n"
                  f"{options.workers} workers ({options.binary.name}) on {options.store}, {options.senders} senders, "
                  f"node latency {options.latency[0]:g}-{options.latency[1]:g} s, block every {options.block_time:g} s, "
                  f"worker.maxInFlight {options.max_in_flight}, overrides {json.dumps(options.overrides)}")
        print()
        print(_table(figures, capacity, holding, header))
        (folder / "figures.json").write_text(json.dumps({
            "figures": figures, "capacity": capacity and vars(capacity), "holding": holding and vars(holding),
            "options": {k: str(v) for k, v in vars(options).items()}}, indent=2) + "\n")
        with open(folder / "samples.jsonl", "w") as out:
            for sample in run.samples:
                out.write(json.dumps(vars(sample)) + "\n")
        code = 0
    except (StackError, OSError, poster.PostFailed) as error:
        say(f"the run could not go on: {error}")
    except Exception:
        say("the benchmark failed:")
        traceback.print_exc()
    finally:
        try:
            stack.stop_all()
        finally:
            for proc in sinks:
                proc.stop()
    say(f"logs, samples and figures in {folder}")
    return code


def _start_sink(folder: Path, name: str, latency, options: Options, sinks: list[Proc]) -> tuple[Proc, str]:
    proc = Proc(name, [str(PYTHON), str(SINK), "--port", "0", "--chain-id", str(config.CHAIN_ID),
                       "--latency-min", str(latency[0]), "--latency-max", str(latency[1]),
                       "--block-time", str(options.block_time), "--seed", str(options.seed)], folder)
    sinks.append(proc)
    with open(folder / "pids", "a") as pids:
        pids.write(f"{proc.pid} {name}\n")
    return proc, proc.ready_url()


def _reference(folder: Path, options: Options, sinks: list[Proc]):
    fast, fast_url = _start_sink(folder, "reference-sink", (0.0, 0.0), options, sinks)
    say("reference 1/2: signing 4,000 transactions, then the sink without latency: sends and receipt lookups "
        "in batches of 100 on 4 connections")
    capacity = reference.capacity(fast_url, reference.signed_transactions(4000))
    say(f"  {capacity.sends_per_second:.0f} sends/s, {capacity.lookups_per_second:.0f} lookups/s")
    fast.stop()
    holding = None
    if options.latency[1] > 0:
        slow, slow_url = _start_sink(folder, "holding-sink", options.latency, options, sinks)
        say(f"reference 2/2: {HOLD} calls held in batches of 100 at {options.latency[0]:g}-{options.latency[1]:g} s "
            "for 90 s (the first 30 s not counted)")
        holding = reference.holding(slow_url, HOLD, seconds=60.0, warmup=30.0)
        say(f"  {holding.calls_per_second:.0f} calls/s answered, {holding.held} held, mean latency "
            f"{holding.latency_mean:.1f} s")
        slow.stop()
    return capacity, holding


def _write_config(folder: Path, options: Options, stack: Stack, sink_url: str, senders, postgres_url) -> None:
    """The chaos harness's configuration with this benchmark's timers: no bumps, pool checks
    late, the node's latency covered by the call timeout."""
    path = config.write(folder, broker=stack.broker, rpc_url=sink_url, api_port=stack.api_port, senders=senders,
                        time_scale=1.0, confirmations=3, retry_deadline=1800.0, postgres_url=postgres_url)
    settings = json.loads(path.read_text())
    settings["rpc"]["callTimeout"] = 2 * options.latency[1] + 15
    settings["retry"] = {"initialDelay": 2, "multiplier": 2, "maxDelay": 60, "jitter": 0.2, "deadline": 1800}
    settings["worker"] = {"port": 0, "leaseLength": 30, "maxInFlight": options.max_in_flight}
    settings["tracking"] = {"confirmations": 3, "poolCheckAfter": 300, "bumpAfter": A_YEAR,
                            "bumpAfterBlocks": 10_000, "pollInterval": 1}
    _merge(settings, options.overrides)
    path.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")


def _merge(into: dict, overrides: dict) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value



def _cpu(stack: Stack, sink: Proc) -> dict[str, float]:
    """CPU seconds so far by role: the API, the workers, Tansu, PostgreSQL (server and
    backends), the sink."""
    roles: dict[str, float] = {}
    children = _children()
    for proc in stack.everything + [sink]:
        if not proc.running():
            continue
        role = proc.name.split("-")[0]
        roles[role] = roles.get(role, 0.0) + sum(probe.cpu_seconds(pid) for pid in _tree(proc.pid, children))
    return roles


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def _sum(gauges: list[dict], name: str) -> float:
    return sum(g.get(name, 0.0) for g in gauges)


def _figures(run: Run, started: float, options: Options, idle_rss: int, answered: int, took: float) -> dict:
    # A sample whose /stats call the sink did not answer in time holds no counts: taken as
    # zeros it would make the window's rates nonsense (a busy sink answers late, not never).
    answered_samples = [s for s in run.samples if s.sink]
    window = [s for s in answered_samples if s.at >= started + options.warmup]
    if len(window) < 2:
        window = answered_samples[-2:] if len(answered_samples) >= 2 else answered_samples
    if len(window) < 2:
        raise StackError("too few samples to measure a window; give a longer --window")
    first, last = window[0], window[-1]
    seconds = last.at - first.at

    def rate(key: str) -> float:
        return (last.sink.get(key, 0) - first.sink.get(key, 0)) / seconds

    def spread(values: list[float]) -> tuple[float, float]:
        return (sum(values) / len(values), max(values)) if values else (0.0, 0.0)

    sends_in_flight = spread([s.sink.get("in_flight_sends", 0) for s in window])
    calls_in_flight = spread([s.sink.get("in_flight_calls", 0) for s in window])
    connections = spread([s.sink.get("connections", 0) for s in window])
    worker_calls = spread([_sum(s.gauges, "in_flight") for s in window])
    backlog = spread([_sum(s.gauges, "backlog") for s in window])
    # How many blocks each worker's chain watcher is behind the node's head, in every sample.
    behind = spread([s.sink["head"] - g["chain_head"] for s in window if "head" in s.sink
                     for g in s.gauges if "chain_head" in g])
    mined = last.sink.get("mined", 0) - first.sink.get("mined", 0)
    cpu = {role: (last.cpu.get(role, 0.0) - first.cpu.get(role, 0.0)) for role in last.cpu}
    rss_growth = max(0, last.worker_rss_kb - idle_rss)
    return {
        "posted": answered, "posting_seconds": round(took, 1), "window_seconds": round(seconds, 1),
        "sends_per_second": round(rate("sends_accepted"), 1), "mined_per_second": round(rate("mined"), 1),
        "http_requests_per_second": round(rate("requests"), 1), "calls_per_second": round(rate("calls"), 1),
        "sends_in_flight_mean_max": [round(v) for v in sends_in_flight],
        "calls_in_flight_mean_max": [round(v) for v in calls_in_flight],
        "connections_mean_max": [round(v) for v in connections],
        "worker_calls_in_flight_mean_max": [round(v) for v in worker_calls],
        "worker_unsent_mean_max": [round(v) for v in backlog],
        "watcher_blocks_behind_mean_max": [round(v, 1) for v in behind],
        "worker_rss_per_request_held_kb": round(rss_growth / max(1, last.sink.get("in_flight_sends", 0) + _sum(last.gauges, "backlog")), 1),
        "worker_rss_idle_end_kb": [idle_rss, last.worker_rss_kb],
        "worker_rss_per_send_in_flight_kb": round(rss_growth / max(1, last.sink.get("in_flight_sends", 0)), 1),
        "max_batch": last.sink.get("max_batch", 0), "sends_refused": last.sink.get("sends_refused", 0),
        "cpu_ms_per_mined": {role: round(1000 * value / max(1, mined), 3) for role, value in sorted(cpu.items())},
        "cpu_cores_used": {role: round(value / seconds, 2) for role, value in sorted(cpu.items())},
    }


def _table(f: dict, capacity, holding, header: str) -> str:
    rows = [
        ("requests posted through the API before the workers started",
         f"{f['posted']:,} in {f['posting_seconds']} s ({f['posted'] / max(0.1, f['posting_seconds']):,.0f}/s)"),
        ("window measured", f"{f['window_seconds']} s"),
        ("**transactions/s taken by the node (sends accepted)**", f"**{f['sends_per_second']:,}**"),
        ("transactions/s mined", f"{f['mined_per_second']:,}"),
        ("node calls/s, HTTP requests/s", f"{f['calls_per_second']:,}, {f['http_requests_per_second']:,} (largest batch {f['max_batch']})"),
        ("transactions in flight at the node, mean / max", "{:,} / {:,}".format(*f["sends_in_flight_mean_max"])),
        ("calls in flight at the node, mean / max", "{:,} / {:,}".format(*f["calls_in_flight_mean_max"])),
        ("connections to the node, mean / max", "{:,} / {:,}".format(*f["connections_mean_max"])),
        ("workers' calls in flight (gauge), mean / max", "{:,} / {:,}".format(*f["worker_calls_in_flight_mean_max"])),
        ("workers' requests not yet sent, mean / max", "{:,} / {:,}".format(*f["worker_unsent_mean_max"])),
        ("workers' RSS idle / end", f"{f['worker_rss_idle_end_kb'][0] // 1024} / {f['worker_rss_idle_end_kb'][1] // 1024} MB"),
        ("workers' chain watchers behind the node's head, mean / max", "{} / {} blocks".format(*f["watcher_blocks_behind_mean_max"])),
        ("workers' RSS growth per transaction in flight", f"{f['worker_rss_per_send_in_flight_kb']} KB"),
        ("workers' RSS growth per request held (in flight at the node or not yet sent)", f"{f['worker_rss_per_request_held_kb']} KB"),
        ("CPU per mined transaction, by process", ", ".join(f"{k} {v} ms" for k, v in f["cpu_ms_per_mined"].items())),
        ("cores used, by process", ", ".join(f"{k} {v}" for k, v in f["cpu_cores_used"].items())),
    ]
    if capacity:
        rows.append(("reference: the sink alone without latency",
                     f"{capacity.sends_per_second:,.0f} sends/s, {capacity.lookups_per_second:,.0f} receipt lookups/s"))
    if holding:
        rows.append((f"reference: the sink holding {holding.held:,} calls",
                     f"{holding.calls_per_second:,.0f} calls/s answered (mean latency {holding.latency_mean:.1f} s)"))
    width = max(len(r[0]) for r in rows)
    lines = [header, "", f"| {'figure'.ljust(width)} | value |", f"|{'-' * (width + 2)}|---|"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    lines.append("")
    lines.append(f"pipeline-throughput: {f['sends_per_second']:,} transactions/s (goal >= 1,000/s), "
                 f"{f['worker_rss_per_send_in_flight_kb']} KB per transaction in flight (goal <= 10 KB)")
    return "\n".join(lines)

