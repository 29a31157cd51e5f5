"""The order of a chaos run: start the stack, load it while faults fly, let it settle, wait for
a quiet chain, then judge the chain against what was promised and what the API says."""

import http.client
import json
import shutil
import signal
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from . import config, load, posted as posted_file, report
from .chain_view import read_chain
from .faults import FaultPlan, Faults
from .options import Options
from .rpc import ChainClient, quantity
from .senders import CONTRACT, dev_senders
from .stack import Stack, StackError
from .verify import Problem, judge

QUIET_BLOCKS = 3              # blocks without a transaction of ours before the chain is judged
QUIET_MARGIN = 2              # blocks beyond the confirmations after the last reorg
VERIFY_RESERVE = 90.0         # seconds of the overall timeout kept for the quiet wait and the checks


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main(options: Options) -> int:
    # SIGTERM unwinds like Ctrl-C, through the `finally` that stops every process started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    started = time.monotonic()
    deadline = started + options.timeout
    folder = options.run_dir
    folder.mkdir(parents=True, exist_ok=True)
    say(f"chaos run in {folder} (seed {options.seed})")
    senders = dev_senders(options.senders)
    stack = Stack(folder, options.binary)
    faults = None
    code = 3
    try:
        stack.start_chain(options.block_time, options.seed, options.evict_probability)
        stack.start_proxy(options.seed, options.time_scale, options.p_silent, options.p_error,
                          options.forward_fraction)
        stack.start_broker()
        if options.store == "postgres":
            stack.start_postgres()
        say(f"chain {stack.chain_url}, flaky proxy {stack.proxy_url} (time scale {options.time_scale}), "
            f"broker {stack.broker}, store {stack.postgres_url or 'SQLite'}")
        config.write(folder, broker=stack.broker, rpc_url=stack.proxy_url, api_port=stack.api_port,
                     senders=senders, time_scale=options.time_scale, confirmations=options.confirmations,
                     retry_deadline=options.retry_deadline, postgres_url=stack.postgres_url)
        for number in range(1, options.workers + 1):
            stack.start_worker(number, wait_assigned=True)
        stack.start_api()
        say(f"API {stack.api_url}, {options.workers} workers in the group; posting {options.requests} requests "
            f"from {options.senders} senders at {options.rate}/s")

        planned = load.plan(options.requests, senders, f"{options.seed}-{int(time.time())}")
        faults = Faults(stack, FaultPlan(
            seed=options.seed, kill_every=options.kill_every, restart_after=options.restart_after,
            reorg_every=options.reorg_every, reorg_depth=options.reorg_depth,
            reorg_drop_probability=options.reorg_drop_probability, node_restarts=options.node_restarts,
            node_downtime=(0.5, 2.0), expected_seconds=options.requests / options.rate), options.workers, say)
        faults.start()
        load.Load(stack.api_port, planned, senders, options.rate, options.concurrency,
                  options.post_deadline, say).run()
        posted_file.write_all(planned, folder / "requests.jsonl")
        say(f"load done; the chaos goes on for {options.chaos_tail:.0f} s more")
        time.sleep(min(options.chaos_tail, max(0.0, deadline - VERIFY_RESERVE - time.monotonic())))
        faults.stop()
        faults.restart_everything()
        say("chaos stopped; everything is running again")

        ids = [p.id for p in planned if p.id]
        views = load.wait_until_final(stack.api_port, ids, deadline - VERIFY_RESERVE, say)
        client = ChainClient(stack.chain_url, timeout=60)
        _wait_for_quiet(client, [s.address for s in senders], faults.log, options.confirmations,
                        min(deadline, time.monotonic() + VERIFY_RESERVE / 2))
        chain = read_chain(client, [s.address for s in senders])
        views = _final_views(stack.api_port, ids, views)
        verdict = judge(planned, views, chain, [s.address for s in senders], CONTRACT, options.confirmations)
        if options.store == "postgres":
            # Nothing but PostgreSQL and Kafka may be shared: no role may have fallen back to a file.
            for stray in sorted(folder.rglob("*.sqlite*")):
                verdict.add(Problem("store file", f"{stray} exists on a PostgreSQL run"))
        evictions = stack.chain.count("evicted 0x")
        proxy = _proxy_stats(stack.proxy_url)
        seconds = time.monotonic() - started
        header = (f"chaos: seed {options.seed}, {options.requests} requests from {options.senders} senders, "
                  f"{options.workers} workers, time scale {options.time_scale}, chain head #{chain.head}")
        print()
        print(report.table(verdict, faults.log, evictions, seconds, header, proxy))
        print(report.problems(verdict))
        _write_summary(folder, verdict, faults.log, evictions, seconds, stack, proxy)
        print(f"\nchaos: {'PASS' if verdict.ok else 'FAIL'} (logs, requests and verdict in {folder})")
        code = 0 if verdict.ok else 1
    except (StackError, OSError) as error:
        say(f"the run could not go on: {error}")
    except Exception:   # the harness's own fault: say where, still stop everything
        say("the harness failed:")
        traceback.print_exc()
    finally:
        try:
            if faults is not None and faults.is_alive():
                faults.stop()
        finally:
            stack.stop_all()
    if code == 0 and not options.keep:
        shutil.rmtree(folder, ignore_errors=True)
    elif code != 0:
        say(f"kept {folder}")
    return code


def _final_views(port: int, ids: list[str], previous: dict) -> dict:
    """The views once more, after the chain went quiet (a reorg may have moved a status); an id
    the API does not answer for within 30 s keeps its last view, if it had one."""
    views = {}
    give_up = time.monotonic() + 30
    while True:
        views.update(load.fetch_views(port, [i for i in ids if i not in views]))
        if len(views) == len(ids) or time.monotonic() > give_up:
            break
        time.sleep(1)
    for request_id in ids:
        if request_id not in views and request_id in previous:
            views[request_id] = previous[request_id]
    return views


def _wait_for_quiet(client: ChainClient, senders: list[str], faults, confirmations: int, until: float) -> None:
    """Until the chain is `confirmations` + a margin past the last reorg and has gone
    QUIET_BLOCKS blocks without a transaction of our senders, with none of theirs pooled."""
    ours = {s.lower() for s in senders}
    last_reorg_head = max((r["new_head"] for r in faults.reorgs), default=0)
    seen = quantity(client.call("eth_blockNumber"))
    busy_at = seen
    while time.monotonic() < until:
        head = quantity(client.call("eth_blockNumber"))
        for number in range(seen + 1, head + 1):
            block = client.call("eth_getBlockByNumber", hex(number), True)
            if block and any(tx["from"].lower() in ours for tx in block["transactions"]):
                busy_at = number
        seen = max(seen, head)
        content = client.call("txpool_content")
        pooled = sum(len(txs) for kind in ("pending", "queued")
                     for sender, txs in (content.get(kind) or {}).items() if sender.lower() in ours)
        if pooled:
            busy_at = head
        if head >= last_reorg_head + confirmations + QUIET_MARGIN and head - busy_at >= QUIET_BLOCKS:
            say(f"chain quiet at #{head}")
            return
        time.sleep(0.5)
    say("the chain did not go quiet in time; judging it as it is")


def _proxy_stats(url: str) -> dict:
    """The flaky proxy's counters (GET /stats); empty when it does not answer."""
    host, _, port = url.removeprefix("http://").partition(":")
    try:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/stats")
        return json.loads(connection.getresponse().read())
    except (OSError, http.client.HTTPException, ValueError):
        return {}


def _write_summary(folder: Path, verdict, faults, evictions: int, seconds: float, stack: Stack,
                   proxy: dict) -> None:
    # Not asdict(verdict): it rebuilds the statuses Counter from (key, value) pairs, counting the pairs.
    summary = {key: value for key, value in vars(verdict).items() if key != "problems"}
    summary["statuses"] = dict(verdict.statuses)
    summary["status_vs_chain"] = {status: dict(facts) for status, facts in verdict.status_vs_chain.items()}
    summary["ok"] = verdict.ok
    summary["evictions"] = evictions
    summary["proxy"] = proxy
    summary["seconds"] = round(seconds, 1)
    summary["faults"] = {k: v for k, v in asdict(faults).items() if k != "events"}
    summary["problems"] = [asdict(p) for p in verdict.problems]
    (folder / "verdict.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    (folder / "events.log").write_text("\n".join(faults.events) + "\n")
    processes = {p.name: {"pid": p.pid, "exit": p.popen.returncode} for p in stack.everything}
    (folder / "processes.json").write_text(json.dumps(processes, indent=2) + "\n")
