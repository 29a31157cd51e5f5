"""The command line of scripts/chaos."""

import argparse
import random
import time
from dataclasses import dataclass
from pathlib import Path

from .stack import REPO


@dataclass
class Options:
    requests: int
    senders: int
    workers: int
    seed: int
    rate: float
    concurrency: int
    post_deadline: float
    time_scale: float
    p_silent: float
    p_error: float
    forward_fraction: float
    kill_every: tuple[float, float]
    restart_after: tuple[float, float]
    reorg_every: tuple[float, float] | None
    reorg_depth: int
    reorg_drop_probability: float
    node_restarts: int
    evict_probability: float
    block_time: float
    confirmations: int
    retry_deadline: float
    chaos_tail: float
    timeout: float
    keep: bool
    binary: Path
    run_dir: Path
    store: str = "sqlite"


def _range(text: str) -> tuple[float, float]:
    """"5-15" (seconds) or "10" (exactly)."""
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not MIN-MAX seconds (e.g. 5-15)") from None
    if not 0 < pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 < MIN <= MAX")
    return pair


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a probability from 0 to 1")
    return value


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="scripts/chaos",
        description="Requests from several senders through the flaky node while the API and workers are "
                    "killed -9 and the chain reorgs, evicts and restarts; then the chain is judged.",
        epilog="Exit code 0 only when every check holds; 1 when a check fails; 3 when the stack could not run.")
    load = parser.add_argument_group("load")
    load.add_argument("--requests", type=int, default=1000, help="requests to post (default 1000)")
    load.add_argument("--senders", type=int, default=3, help="dev keys 0x..01 to 0x..0S, one message type each (default 3)")
    load.add_argument("--rate", type=float, default=10.0, help="requests started per second (default 10)")
    load.add_argument("--concurrency", type=int, default=16, help="POSTs in flight at most (default 16)")
    load.add_argument("--post-deadline", type=float, default=120.0,
                      help="seconds one request is retried (same Idempotency-Key) before it counts as unanswered")
    stack = parser.add_argument_group("stack")
    stack.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    stack.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite",
                       help="the status store: one SQLite file (default), or a PostgreSQL server started "
                            "for the run, each API and worker in a folder of its own sharing no file")
    stack.add_argument("--binary", type=Path, default=REPO / ".build" / "debug" / "broadcaster")
    stack.add_argument("--block-time", type=float, default=1.0, help="seconds between blocks (default 1)")
    stack.add_argument("--confirmations", type=int, default=None,
                       help="tracking.confirmations (default: 3, or reorg depth + 1 if larger)")
    stack.add_argument("--retry-deadline", type=float, default=300.0, help="retry.deadline in seconds (default 300)")
    proxy = parser.add_argument_group("flaky proxy (devchain/flaky_proxy.py)")
    proxy.add_argument("--time-scale", type=float, default=40.0,
                       help="divides the node's 20-30 s per call (default 40: 0.5-0.75 s)")
    proxy.add_argument("--p-silent", type=_probability, default=0.015, help="calls held and never answered (default 0.015)")
    proxy.add_argument("--forward-fraction", type=_probability, default=0.5,
                       help="of the silent calls, those that still reach the node (default 0.5)")
    proxy.add_argument("--p-error", type=_probability, default=0.04, help="calls answered with an error (default 0.04)")
    chaos = parser.add_argument_group("chaos (seeded)")
    chaos.add_argument("--seed", type=int, default=None, help="default: random, printed")
    chaos.add_argument("--kill-every", type=_range, default=(5.0, 15.0), metavar="MIN-MAX",
                       help="seconds between kill -9s of the API or a worker (default 5-15)")
    chaos.add_argument("--restart-after", type=_range, default=(1.0, 4.0), metavar="MIN-MAX",
                       help="seconds from a kill to the restart (default 1-4)")
    chaos.add_argument("--reorg-every", type=_range, default=(20.0, 40.0), metavar="MIN-MAX",
                       help="seconds between reorgs (default 20-40)")
    chaos.add_argument("--no-reorgs", action="store_true")
    chaos.add_argument("--reorg-depth", type=int, default=2, help="a reorg replaces 1 to D blocks (default 2)")
    chaos.add_argument("--reorg-drop-probability", type=_probability, default=0.3,
                       help="a reorg forgets its blocks' transactions instead of re-pooling them (default 0.3)")
    chaos.add_argument("--node-restarts", type=int, default=2,
                       help="dev_restart calls (the node forgets its pool) during the load (default 2)")
    chaos.add_argument("--evict-probability", type=_probability, default=0.02,
                       help="after each block, each pooled transaction is evicted with this probability (default 0.02)")
    chaos.add_argument("--chaos-tail", type=float, default=30.0,
                       help="seconds the faults go on after the last POST (default 30)")
    run = parser.add_argument_group("run")
    run.add_argument("--timeout", type=float, default=None,
                     help="overall seconds (default 600 + 0.6 s per request)")
    run.add_argument("--keep", action="store_true", help="keep the run folder after a pass (a failure always keeps it)")
    run.add_argument("--run-dir", type=Path, default=None, help="default: run/chaos/TIME-seedN")
    args = parser.parse_args(argv)
    if args.requests < 1 or not 1 <= args.senders <= 10 or args.workers < 1 or args.rate <= 0 \
            or args.concurrency < 1 or args.reorg_depth < 1 or args.node_restarts < 0 or args.time_scale <= 0:
        parser.error("need --requests >= 1, --senders 1-10, --workers >= 1, --rate > 0, --concurrency >= 1, "
                     "--reorg-depth >= 1, --node-restarts >= 0, --time-scale > 0")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    confirmations = args.confirmations or max(3, args.reorg_depth + 1)
    if confirmations <= args.reorg_depth and not args.no_reorgs:
        parser.error(f"--confirmations {confirmations} must exceed --reorg-depth {args.reorg_depth}: "
                     "a confirmed transaction could otherwise be reorganised away")
    run_dir = args.run_dir or REPO / "run" / "chaos" / f"{time.strftime('%Y%m%d-%H%M%S')}-seed{seed}"
    return Options(
        requests=args.requests, senders=args.senders, workers=args.workers, seed=seed, rate=args.rate,
        concurrency=args.concurrency, post_deadline=args.post_deadline, time_scale=args.time_scale,
        p_silent=args.p_silent, p_error=args.p_error, forward_fraction=args.forward_fraction,
        kill_every=args.kill_every, restart_after=args.restart_after,
        reorg_every=None if args.no_reorgs else args.reorg_every, reorg_depth=args.reorg_depth,
        reorg_drop_probability=args.reorg_drop_probability, node_restarts=args.node_restarts,
        evict_probability=args.evict_probability, block_time=args.block_time, confirmations=confirmations,
        retry_deadline=args.retry_deadline, chaos_tail=args.chaos_tail,
        timeout=args.timeout or 600 + 0.6 * args.requests, keep=args.keep,
        binary=args.binary.resolve(), run_dir=run_dir.resolve(), store=args.store)
