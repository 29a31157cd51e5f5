"""The command line of Benchmarks/pipeline-throughput."""

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

from chaos_harness.stack import REPO


@dataclass
class Options:
    store: str
    workers: int
    senders: int
    requests: int
    latency: tuple[float, float]
    block_time: float
    warmup: float
    window: float
    max_in_flight: int
    post_concurrency: int
    overrides: dict
    reference: bool
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
    if not 0 <= pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 <= MIN <= MAX")
    return pair


def _overrides(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--set is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--set takes a JSON object, e.g. '{\"rpc\": {\"batchSize\": 100}}'")
    return value


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="Benchmarks/pipeline-throughput",
        description="Transactions per second through API, Kafka and workers to a node that answers after "
                    "20-30 s and is not itself the limit, next to that node's own capacity.")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--senders", type=int, default=16, help="senders, one message type each (default 16)")
    parser.add_argument("--requests", type=int, default=240_000,
                        help="requests posted before the workers start (default 240000: 1,000/s for warm-up and window)")
    parser.add_argument("--latency", type=_range, default=(20.0, 30.0), help="node latency MIN-MAX s (default 20-30; 0-0 for the intake ceiling)")
    parser.add_argument("--block-time", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds after the workers start not counted (default 60)")
    parser.add_argument("--window", type=float, default=180.0, help="seconds measured (default 180)")
    parser.add_argument("--max-in-flight", type=int, default=30_000, help="worker.maxInFlight (default 30000)")
    parser.add_argument("--post-concurrency", type=int, default=32)
    parser.add_argument("--set", dest="overrides", type=_overrides, default={},
                        help="a JSON object merged into the configuration, e.g. '{\"rpc\": {\"batchSize\": 100}}'")
    parser.add_argument("--no-reference", dest="reference", action="store_false")
    parser.add_argument("--sample", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--run-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 8:
        parser.error("--workers: 1 to 8")
    if not 1 <= args.senders <= 1000:
        parser.error("--senders: 1 to 1000")
    if args.requests < 1 or args.window <= 0 or args.warmup < 0:
        parser.error("--requests must be positive, --window positive, --warmup not negative")
    run_dir = args.run_dir or REPO / "run" / "pipeline-throughput" / time.strftime("%Y%m%d-%H%M%S")
    return Options(store=args.store, workers=args.workers, senders=args.senders, requests=args.requests,
                   latency=args.latency, block_time=args.block_time, warmup=args.warmup, window=args.window,
                   max_in_flight=args.max_in_flight, post_concurrency=args.post_concurrency, overrides=args.overrides,
                   reference=args.reference, sample=args.sample, seed=args.seed, binary=args.binary.resolve(),
                   run_dir=run_dir)
