"""The order of one benchmark run: the node's ceiling first, then the pipeline through the same
kind of node, then the sanity checks (every request confirmed, on chain), then the figures.

The processes are the chaos harness's (scripts/chaos_harness/stack.py): the devchain, Tansu,
the API and one worker, each in its own session with its log in the run folder. The flaky
proxies are started here because their latency is an option of this benchmark.
"""

import json
import os
import signal
import sys
import time
import traceback

from chaos_harness import config, load
from chaos_harness.chain_view import read_chain
from chaos_harness.posted import ANSWERED
from chaos_harness.rpc import ChainClient
from chaos_harness.senders import CONTRACT, dev_senders
from chaos_harness.stack import PYTHON, REPO, Proc, Stack, StackError, loadavg
from chaos_harness.verify import judge

from . import figures as figures_module, reference
from .options import Options
from .sampler import Sampler, calls_by_method, get, proxy_stats, rss_kb, worker_metrics

CAPACITY_CONCURRENCY = 64       # the proxy without latency: its own throughput
CAPACITY_SECONDS = 10.0
A_YEAR = 365 * 24 * 3600


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Proxies:
    """Flaky proxies in front of the chain, with a latency of their own, never failing a call."""

    def __init__(self, folder, chain_url: str, seed: int) -> None:
        self.folder, self.chain_url, self.seed = folder, chain_url, seed
        self.started: list[Proc] = []

    def start(self, name: str, latency: tuple[float, float]) -> tuple[Proc, str]:
        proc = Proc(name, [str(PYTHON), str(REPO / "devchain" / "flaky_proxy.py"), "--upstream", self.chain_url,
                           "--port", "0", "--seed", str(self.seed), "--time-scale", "1", "--p-silent", "0",
                           "--p-error", "0", "--latency-min", str(latency[0]), "--latency-max", str(latency[1])],
                    self.folder)
        self.started.append(proc)
        with open(self.folder / "pids", "a") as pids:
            pids.write(f"{proc.pid} {name}\n")
        return proc, proc.ready_url()

    def stop_all(self) -> None:
        for proc in self.started:
            proc.stop()


def main(options: Options) -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    started = time.monotonic()
    deadline = started + options.timeout
    folder = options.run_dir
    folder.mkdir(parents=True, exist_ok=True)
    load_before = loadavg()
    say(f"tracking-throughput in {folder}: {options.requests} requests from {options.senders} senders, "
        f"block time {options.block_time} s, {options.confirmations} confirmations, node calls "
        f"{options.latency[0]:g}-{options.latency[1]:g} s; load average {load_before}")
    stack = Stack(folder, options.binary)
    proxies = None
    sampler = None
    code = 3
    try:
        chain_url = stack.start_chain(options.block_time, options.seed, 0.0)
        proxies = Proxies(folder, chain_url, options.seed)
        ceiling = capacity = None
        if options.reference:
            ceiling, capacity = _reference(options, proxies)

        proxy, proxy_url = proxies.start("flaky-proxy", options.latency)
        stack.start_broker()
        senders = dev_senders(options.senders)
        _write_config(folder, options, stack, proxy_url, senders)
        worker = stack.start_worker(1, wait_assigned=True, timeout=60 + 4 * options.latency[1])
        stack.start_api()
        metrics_url = worker.metrics_url()
        say(f"worker pid {worker.pid} (metrics {metrics_url}), API {stack.api_url}, proxy {proxy_url}")
        _wait_warm(worker, metrics_url, 60 + 6 * options.latency[1])

        sampler = Sampler(proxy_url=proxy_url, metrics_url=metrics_url, chain_url=chain_url, worker_pid=worker.pid,
                          worker_log=worker.log, interval=options.sample)
        sampler.start()
        planned = load.plan(options.requests, senders, f"bench-{int(time.time())}")
        methods_at_post = calls_by_method(worker_metrics(metrics_url))
        calls_at_post = int(proxy_stats(proxy_url).get("requests", 0))
        rss_at_post = rss_kb(worker.pid)[0]
        posting_began = time.monotonic()
        say(f"posting {options.requests} requests ({options.post_concurrency} at a time)")
        load.Load(stack.api_port, planned, senders, rate=1e9, concurrency=options.post_concurrency,
                  deadline=120.0, say=say).run()
        posting_ended = time.monotonic()
        answered = [p for p in planned if p.outcome == ANSWERED]
        say(f"posted in {posting_ended - posting_began:.1f} s: {len(answered)} answered 200")
        if len(answered) != len(planned):
            raise RunFailed(f"{len(planned) - len(answered)} requests got no 200 (see {folder}/requests.jsonl)")

        last_confirmed = _wait_confirmed(sampler, len(answered), posting_began, deadline, options)
        calls_at_end = int(proxy_stats(proxy_url).get("requests", 0))
        methods_at_end = calls_by_method(worker_metrics(metrics_url))
        (folder / "metrics-at-end.txt").write_bytes(get(metrics_url) or b"")
        proxy_peak = int(proxy_stats(proxy_url).get("max_in_flight", 0))
        sampler.stop()

        verdict_ok, verdict_line = _check(stack, planned, senders, options)
        marks = figures_module.Marks(
            posting_began=posting_began, posting_ended=posting_ended, last_confirmed=last_confirmed,
            proxy_calls_at_post=calls_at_post, proxy_calls_at_end=calls_at_end, proxy_max_in_flight=proxy_peak,
            methods_at_post=methods_at_post, methods_at_end=methods_at_end, rss_at_post_kb=rss_at_post)
        result = figures_module.compute(sampler.watch, marks, len(answered), options.window, options.confirmations)
        header = (f"Broadcaster tracking throughput, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                  f"{os.cpu_count()} cores, load before: {load_before}, after: {loadavg()}\n"
                  f"one worker ({options.binary.name}, worker.maxInFlight {options.max_in_flight}), "
                  f"{options.senders} senders, block time {options.block_time} s, tracking.confirmations "
                  f"{options.confirmations}, poolCheckAfter {options.pool_check_after:g} s, node calls "
                  f"{options.latency[0]:g}-{options.latency[1]:g} s")
        print()
        print(figures_module.table(result, ceiling, capacity, header))
        print()
        print(f"  {verdict_line}")
        print(f"\ntracking-throughput: {figures_module.summary(result, ceiling)}")
        (folder / "figures.json").write_text(json.dumps({
            "figures": result.as_dict(), "ceiling": ceiling and vars(ceiling), "capacity": capacity and vars(capacity),
            "options": {k: str(v) for k, v in vars(options).items()}, "sanity": verdict_line}, indent=2) + "\n")
        _write_series(folder, sampler)
        code = 0 if verdict_ok else 1
    except RunFailed as failure:
        say(f"FAIL: {failure}")
        code = 1
    except (StackError, OSError) as error:
        say(f"the run could not go on: {error}")
    except Exception:
        say("the benchmark failed:")
        traceback.print_exc()
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        try:
            stack.stop_all()
        finally:
            if proxies is not None:
                proxies.stop_all()
    say(f"logs, samples and figures in {folder}")
    return code


class RunFailed(Exception):
    pass


def _reference(options: Options, proxies: Proxies):
    concurrency = options.reference_concurrency
    _, url = proxies.start("reference-proxy", options.latency)
    say(f"reference 1/2: {concurrency} calls in flight through a {options.latency[0]:g}-{options.latency[1]:g} s proxy "
        f"for {options.reference_warmup + options.reference_window:.0f} s (the first {options.reference_warmup:.0f} s "
        "not counted)")
    ceiling = reference.measure(url, concurrency, warmup=options.reference_warmup, window=options.reference_window,
                                stagger=sum(options.latency) / 2, call_timeout=2 * options.latency[1] + 30)
    held = int(proxy_stats(url).get("max_in_flight", 0))
    say(f"  {ceiling.calls_per_second:.1f} calls/s answered, {ceiling.failed} failed, mean latency "
        f"{ceiling.latency_mean:.2f} s, {ceiling.mean_in_flight:.0f} in flight on average, the proxy held {held} at once")
    if held < concurrency:
        say(f"  WARNING: the proxy never held all {concurrency} calls at once (at most {held})")
    _, fast = proxies.start("capacity-proxy", (0.0, 0.0))
    say(f"reference 2/2: the proxy without latency, {CAPACITY_CONCURRENCY} in flight for {CAPACITY_SECONDS:.0f} s")
    capacity = reference.measure(fast, CAPACITY_CONCURRENCY, warmup=1.0, window=CAPACITY_SECONDS, stagger=0.0)
    say(f"  {capacity.calls_per_second:.0f} calls/s")
    for proc in proxies.started:
        proc.stop()
    return ceiling, capacity


def _write_config(folder, options: Options, stack: Stack, proxy_url: str, senders) -> None:
    """The chaos harness's configuration with this benchmark's timers: bumps never due,
    pool checks late, the node's latency covered by the call timeout."""
    path = config.write(folder, broker=stack.broker, rpc_url=proxy_url, api_port=stack.api_port, senders=senders,
                        time_scale=1.0, confirmations=options.confirmations, retry_deadline=1800.0)
    settings = json.loads(path.read_text())
    settings["rpc"]["callTimeout"] = 2 * options.latency[1] + 15
    settings["retry"] = {"initialDelay": 2, "multiplier": 2, "maxDelay": 60, "jitter": 0.2, "deadline": 1800}
    settings["worker"] = {"port": 0, "leaseLength": 30, "maxInFlight": options.max_in_flight}
    settings["tracking"] = {"confirmations": options.confirmations, "poolCheckAfter": options.pool_check_after,
                            "bumpAfter": A_YEAR, "bumpAfterBlocks": 10_000, "pollInterval": 1}
    path.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")



def _wait_warm(worker: Proc, metrics_url: str, timeout: float) -> None:
    """Until the worker's chain watcher has read the fees once: before that intake cannot sign,
    and a worker in service has long been past it."""
    say("waiting for the worker's first read of the chain's fees")
    worker.wait_for(lambda: calls_by_method(worker_metrics(metrics_url)).get("eth_maxPriorityFeePerGas", 0) > 0,
                    "its first eth_maxPriorityFeePerGas", timeout)


def _wait_confirmed(sampler: Sampler, expected: int, began: float, deadline: float, options: Options) -> float:
    """Until every request is final in the worker's log; the moment the last was seen."""
    last_change = time.monotonic()
    last_report = 0.0
    seen = 0
    reported = 0
    while True:
        time.sleep(0.5)
        now = time.monotonic()
        finished = sampler.finished()
        progress = finished + len(sampler.watch.signed_at)
        if progress != seen:
            seen, last_change = progress, now
        if finished >= expected:
            ended = sampler.watch.ended
            if ended:
                raise RunFailed(f"{len(ended)} requests ended other than confirmed, e.g. {ended[:3]}")
            return sampler.watch.confirmations[-1].at
        if now >= deadline:
            raise RunFailed(f"only {finished} of {expected} requests final by the overall timeout")
        if now - last_change >= options.stall:
            raise RunFailed(f"nothing was signed and no request became final for {options.stall:.0f} s "
                            f"({finished} of {expected} final)")
        if now - last_report >= 15:
            sample = sampler.last()
            confirmed = sampler.confirmed()
            rate = (confirmed - reported) / (now - last_report) if last_report else 0.0
            say(f"{now - began:5.0f} s: {confirmed}/{expected} confirmed ({rate:.1f}/s lately), "
                f"{len(sampler.watch.signed_at)} signed, {len(sampler.watch.lanes_at)} lane starts; "
                + (f"chain #{sample.head}, proxy {sample.proxy_in_flight} in flight, worker gauge "
                   f"{sample.worker_in_flight} in flight / {sample.worker_backlog} unsent, RSS "
                   f"{sample.rss_kb // 1024} MB" if sample else ""))
            last_report, reported = now, confirmed


def _check(stack: Stack, planned, senders, options: Options) -> tuple[bool, str]:
    """Every request confirmed per the API, and the chain agreeing (the chaos test's checks)."""
    say("checking every request: GET /transaction/{id}, then the chain from genesis")
    ids = [p.id for p in planned if p.id]
    views = load.fetch_views(stack.api_port, ids)
    statuses: dict[str, int] = {}
    for request_id in ids:
        status = str((views.get(request_id) or {}).get("status", "unanswered"))
        statuses[status] = statuses.get(status, 0) + 1
    client = ChainClient(stack.chain_url, timeout=60)
    try:
        chain = read_chain(client, [s.address for s in senders])
    finally:
        client.close()
    verdict = judge(planned, views, chain, [s.address for s in senders], CONTRACT, options.confirmations)
    ok = verdict.ok and statuses == {"confirmed": len(planned)} and verdict.confirmed_agreeing == len(planned)
    line = (f"sanity {'PASS' if ok else 'FAIL'}: API statuses {statuses}; chain: {verdict.confirmed_agreeing} "
            f"confirmed agreeing, {verdict.mined_once} mined once, {verdict.mined_twice} mined twice, "
            f"{verdict.nonce_gaps} nonce gaps, {verdict.left_in_pool} left in pool, "
            f"{len(verdict.problems)} problems")
    for problem in verdict.problems[:5]:
        line += f"\n    {problem.check}: {problem.request} {problem.reason} {problem.detail}"
    return ok, line


def _write_series(folder, sampler: Sampler) -> None:
    with open(folder / "samples.jsonl", "w") as out:
        for sample in sampler.watch.samples:
            out.write(json.dumps(vars(sample)) + "\n")

