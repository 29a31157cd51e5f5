"""The command line of Benchmarks/tracking-throughput."""

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from chaos_harness.stack import REPO


@dataclass
class Options:
    requests: int
    senders: int
    block_time: float
    confirmations: int
    pool_check_after: float
    max_in_flight: int
    latency: tuple[float, float]
    reference: bool
    reference_concurrency: int
    reference_warmup: float
    reference_window: float
    window: float
    post_concurrency: int
    stall: float
    timeout: float
    sample: float
    seed: int
    binary: Path
    run_dir: Path


def _range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not MIN-MAX seconds (e.g. 20-30)") from None
    if not 0 <= pair[0] <= pair[1] or pair[1] <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 <= MIN <= MAX, MAX > 0")
    return pair


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="Benchmarks/tracking-throughput",
        description="Transactions tracked per second by one worker behind a node that takes 20-30 s a call, "
                    "next to what that node allows at the worker's concurrency.",
        epilog="Exit code 0 when every request ended confirmed and the chain agrees; 1 when not; "
               "3 when the stack could not run.")
    load = parser.add_argument_group("pipeline")
    load.add_argument("--requests", type=int, default=3000, help="requests posted (default 3000)")
    load.add_argument("--senders", type=int, default=10, help="dev keys 0x..01 to 0x..0S (default 10)")
    load.add_argument("--block-time", type=float, default=2.0, help="seconds between blocks (default 2)")
    load.add_argument("--confirmations", type=int, default=3, help="tracking.confirmations (default 3)")
    load.add_argument("--pool-check-after", type=float, default=120.0,
                      help="tracking.poolCheckAfter in seconds (default 120)")
    load.add_argument("--max-in-flight", type=int, default=4096, help="worker.maxInFlight (default 4096)")
    load.add_argument("--post-concurrency", type=int, default=32, help="POSTs in flight at once (default 32)")
    load.add_argument("--window", type=float, default=30.0,
                      help="seconds of the sliding window over confirmations (default 30)")
    node = parser.add_argument_group("node")
    node.add_argument("--latency", type=_range, default=(20.0, 30.0), metavar="MIN-MAX",
                      help="seconds the flaky proxy takes per call (default 20-30; no silent calls, no errors)")
    ref = parser.add_argument_group("reference (the node's ceiling, measured first)")
    ref.add_argument("--no-reference", action="store_true", help="skip it")
    ref.add_argument("--reference-concurrency", type=int, default=None,
                     help="calls kept in flight (default: --max-in-flight)")
    ref.add_argument("--reference-warmup", type=float, default=None,
                     help="seconds before completions count (default: the slowest call, 30)")
    ref.add_argument("--reference-window", type=float, default=60.0, help="seconds counted (default 60)")
    run = parser.add_argument_group("run")
    run.add_argument("--binary", type=Path, default=REPO / ".build-release" / "release" / "broadcaster")
    run.add_argument("--stall", type=float, default=None,
                     help="fail after this many seconds with nothing signed or final (default 30 calls' latency)")
    run.add_argument("--timeout", type=float, default=None,
                     help="overall seconds (default 1200 + 0.5 s per request)")
    run.add_argument("--sample", type=float, default=1.0, help="seconds between samples (default 1)")
    run.add_argument("--seed", type=int, default=7, help="the proxy's seed (default 7)")
    run.add_argument("--run-dir", type=Path, default=None, help="default: run/tracking-throughput/TIME")
    args = parser.parse_args(argv)
    if args.requests < 1 or not 1 <= args.senders <= 10 or args.block_time <= 0 or not 1 <= args.confirmations <= 1000 \
            or args.max_in_flight < 1 or args.post_concurrency < 1 or args.window <= 0 or args.sample <= 0:
        parser.error("need --requests >= 1, --senders 1-10, --block-time > 0, --confirmations 1-1000, "
                     "--max-in-flight >= 1, --post-concurrency >= 1, --window > 0, --sample > 0")
    latency_max = args.latency[1]
    run_dir = args.run_dir or REPO / "run" / "tracking-throughput" / time.strftime("%Y%m%d-%H%M%S")
    return Options(
        requests=args.requests, senders=args.senders, block_time=args.block_time, confirmations=args.confirmations,
        pool_check_after=args.pool_check_after, max_in_flight=args.max_in_flight, latency=args.latency,
        reference=not args.no_reference, reference_concurrency=args.reference_concurrency or args.max_in_flight,
        reference_warmup=args.reference_warmup if args.reference_warmup is not None else latency_max,
        reference_window=args.reference_window, window=args.window, post_concurrency=args.post_concurrency,
        stall=args.stall or max(120.0, 30 * latency_max), timeout=args.timeout or 1200 + 0.5 * args.requests,
        sample=args.sample, seed=args.seed, binary=args.binary.resolve(), run_dir=run_dir.resolve())
