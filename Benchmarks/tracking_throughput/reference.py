"""The node's ceiling: how many JSON-RPC calls per second the flaky proxy completes when a
client keeps C calls in flight, as one worker may (`worker.maxInFlight`).

The client calls like the worker's HTTP client: C keep-alive HTTP/1.1 connections, one call on
each at a time, the next sent as soon as the last is answered. Half the callers ask
`eth_blockNumber`, half `eth_getTransactionReceipt` of a hash nobody sent (the two reads a
tracker makes most). Each caller starts after a random part of one call's latency, so that
the callers do not move in lockstep and the completions reach their steady rate after one
call; only completions after `warmup` count.
"""

import asyncio
import os
import random
import resource
import statistics
import time
from dataclasses import dataclass

import aiohttp


@dataclass
class Ceiling:
    concurrency: int
    window: float               # seconds counted (after the warm-up)
    answered: int               # calls answered with a JSON-RPC result in the window
    failed: int                 # anything else in the window (HTTP error, RPC error, transport)
    calls_per_second: float     # answered / window
    mean_in_flight: float       # calls in flight, averaged over the window
    latency_mean: float         # seconds from request to answer, calls answered in the window
    latency_p50: float
    latency_p99: float
    latency_max: float

    @property
    def by_littles_law(self) -> float:
        """What the node allows in theory: calls in flight / mean latency."""
        return self.mean_in_flight / self.latency_mean if self.latency_mean else 0.0


def raise_open_file_limit() -> int:
    """Each call in flight is a socket: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def measure(url: str, concurrency: int, warmup: float, window: float, stagger: float,
            call_timeout: float = 90.0) -> Ceiling:
    """Runs the callers for `warmup` + `window` seconds; calls still in flight at the end are dropped."""
    if raise_open_file_limit() < concurrency + 256:
        raise OSError(f"the open-file limit ({resource.getrlimit(resource.RLIMIT_NOFILE)[0]}) is too low for "
                      f"{concurrency} connections; raise ulimit -n")
    return asyncio.run(_measure(url, concurrency, warmup, window, stagger, call_timeout))


async def _measure(url: str, concurrency: int, warmup: float, window: float, stagger: float,
                   call_timeout: float) -> Ceiling:
    calls: list[tuple[float, float, bool]] = []   # (sent, answered, ok), monotonic
    began = time.monotonic()
    counted_from = began + warmup
    stop_at = counted_from + window
    gauge = _InFlight(counted_from, stop_at)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0, keepalive_timeout=120)
    timeout = aiohttp.ClientTimeout(total=call_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def caller(number: int) -> None:
            draw = random.Random(number)
            await asyncio.sleep(draw.uniform(0, stagger))
            ids = 0
            while time.monotonic() < stop_at:
                ids += 1
                if number % 2:
                    payload = {"jsonrpc": "2.0", "id": ids, "method": "eth_getTransactionReceipt",
                               "params": ["0x" + os.urandom(32).hex()]}
                else:
                    payload = {"jsonrpc": "2.0", "id": ids, "method": "eth_blockNumber", "params": []}
                sent = time.monotonic()
                gauge.change(sent, +1)
                ok = False
                try:
                    async with session.post(url, json=payload) as response:
                        body = await response.json(content_type=None)
                        ok = response.status == 200 and isinstance(body, dict) and "result" in body
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    pass
                finally:
                    gauge.change(time.monotonic(), -1)
                calls.append((sent, time.monotonic(), ok))

        tasks = [asyncio.create_task(caller(n)) for n in range(concurrency)]
        await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        gauge.close(time.monotonic())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    counted = [(sent, done, ok) for sent, done, ok in calls if counted_from <= done <= stop_at]
    latencies = sorted(done - sent for sent, done, ok in counted if ok)
    return Ceiling(
        concurrency=concurrency, window=window, answered=len(latencies), failed=len(counted) - len(latencies),
        calls_per_second=len(latencies) / window, mean_in_flight=gauge.area / window,
        latency_mean=statistics.fmean(latencies) if latencies else 0.0,
        latency_p50=_percentile(latencies, 50), latency_p99=_percentile(latencies, 99),
        latency_max=latencies[-1] if latencies else 0.0)


class _InFlight:
    """Calls in flight, integrated over time within [start, end] (call-seconds)."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.level = 0
        self.since = start
        self.area = 0.0
        self.closed = False

    def change(self, now: float, delta: int) -> None:
        if not self.closed:
            self._advance(now)
        self.level += delta

    def close(self, now: float) -> None:
        self._advance(now)
        self.closed = True

    def _advance(self, now: float) -> None:
        now = min(max(now, self.start), self.end)
        if now > self.since:
            self.area += self.level * (now - self.since)
            self.since = now


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * (len(values) - 1))))
    return values[index]
