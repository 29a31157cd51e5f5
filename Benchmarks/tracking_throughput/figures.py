"""The figures of one run, computed from what the sampler saw, and the table they print as."""

import statistics
from dataclasses import asdict, dataclass, field

from .reference import Ceiling
from .sampler import Watch


@dataclass
class Marks:
    """Moments and counters the run takes itself (time.monotonic())."""
    posting_began: float
    posting_ended: float
    last_confirmed: float
    proxy_calls_at_post: int
    proxy_calls_at_end: int
    proxy_max_in_flight: int
    methods_at_post: dict[str, int]
    methods_at_end: dict[str, int]
    rss_at_post_kb: int


@dataclass
class Figures:
    requests: int
    confirmed: int
    posting_seconds: float
    posts_per_second: float
    first_signed_after: float | None        # from the first POST to intake's first signed request
    first_confirmed_after: float | None     # from the first POST to the first confirmation
    last_confirmed_after: float | None      # ... to the last one
    steady_per_second: float | None         # (confirmed - 1) / (last - first confirmation); None: one burst
    overall_per_second: float               # confirmed / (last confirmation - first POST)
    window: float
    window_best: float                      # best sliding window, per second
    window_median: float                    # median sliding window between first and last confirmation
    node_calls: int                         # through the proxy, first POST to last confirmation
    calls_per_confirmed: float
    calls_by_method: dict[str, int]         # the worker's own count over the same span
    worker_in_flight_peak: int              # broadcaster_worker_in_flight (lanes; sampled every 5 s)
    proxy_in_flight_peak: int               # every call of the worker at once (the proxy's own count)
    rss_at_post_mb: float
    rss_peak_mb: float
    rss_end_mb: float
    lag_median: float | None                # confirmed minus when its block became `confirmations` deep
    lag_p90: float | None
    lag_max: float | None
    blocks_with_ours: int
    lanes_started: int
    confirmations_by_time: list[tuple[float, int]] = field(default_factory=list)   # (s after first POST, total)

    def as_dict(self) -> dict:
        return asdict(self)


def compute(watch: Watch, marks: Marks, requests: int, window: float, confirmations: int) -> Figures:
    times = sorted(c.at for c in watch.confirmations)
    start = marks.posting_began
    first, last = (times[0], times[-1]) if times else (None, None)
    steady = (len(times) - 1) / (last - first) if len(times) > 1 and last - first >= 1.0 else None
    windows = _windows(times, window)
    lags = sorted(c.at - watch.block_seen[c.block + confirmations - 1] for c in watch.confirmations
                  if c.block + confirmations - 1 in watch.block_seen)
    methods = {m: marks.methods_at_end.get(m, 0) - marks.methods_at_post.get(m, 0) for m in marks.methods_at_end}
    calls = marks.proxy_calls_at_end - marks.proxy_calls_at_post
    samples = [s for s in watch.samples if start <= s.at <= marks.last_confirmed + 1]
    end_rss = watch.samples[-1].rss_kb if watch.samples else 0
    peak_rss = max([s.rss_kb for s in watch.samples] + [0])
    curve = []
    for second in range(0, int((last or start) - start) + 2, 10):
        curve.append((float(second), sum(1 for t in times if t <= start + second)))
    return Figures(
        requests=requests, confirmed=len(times),
        posting_seconds=round(marks.posting_ended - start, 1),
        posts_per_second=round(requests / max(1e-9, marks.posting_ended - start), 1),
        first_signed_after=_round(watch.signed_at[0] - start) if watch.signed_at else None,
        first_confirmed_after=_round(first - start) if first else None,
        last_confirmed_after=_round(last - start) if last else None,
        steady_per_second=round(steady, 2) if steady is not None else None,
        overall_per_second=round(len(times) / (last - start), 2) if last else 0.0,
        window=window,
        window_best=round(max(windows, default=0.0), 2),
        window_median=round(statistics.median(windows), 2) if windows else 0.0,
        node_calls=calls, calls_per_confirmed=round(calls / len(times), 2) if times else 0.0,
        calls_by_method={m: n for m, n in sorted(methods.items(), key=lambda item: -item[1]) if n},
        worker_in_flight_peak=max([s.worker_in_flight for s in samples] + [0]),
        proxy_in_flight_peak=marks.proxy_max_in_flight,
        rss_at_post_mb=round(marks.rss_at_post_kb / 1024, 1), rss_peak_mb=round(peak_rss / 1024, 1),
        rss_end_mb=round(end_rss / 1024, 1),
        lag_median=_round(statistics.median(lags)) if lags else None,
        lag_p90=_round(lags[int(0.9 * (len(lags) - 1))]) if lags else None,
        lag_max=_round(lags[-1]) if lags else None,
        blocks_with_ours=len({c.block for c in watch.confirmations}),
        lanes_started=len(watch.lanes_at),
        confirmations_by_time=curve)


def _windows(times: list[float], width: float) -> list[float]:
    """Confirmations per second in each `width`-second window sliding by 1 s from the first
    confirmation to the last (one window when they span less than `width`)."""
    if not times:
        return []
    first, last = times[0], times[-1]
    if last - first <= width:
        return [len(times) / width]
    rates = []
    begin = first
    low = 0
    high = 0
    while begin + width <= last:
        while low < len(times) and times[low] < begin:
            low += 1
        while high < len(times) and times[high] < begin + width:
            high += 1
        rates.append((high - low) / width)
        begin += 1.0
    return rates


def _round(value: float) -> float:
    return round(value, 1)


def table(figures: Figures, ceiling: Ceiling | None, capacity: Ceiling | None, header: str) -> str:
    f = figures
    rows: list[tuple[str, str]] = []
    if ceiling:
        rows += [
            (f"node ceiling: {ceiling.concurrency} calls in flight", f"{ceiling.calls_per_second:.1f} calls/s "
             f"({ceiling.answered} answered in {ceiling.window:.0f} s, {ceiling.failed} failed; "
             f"in flight {ceiling.mean_in_flight:.0f} / latency {ceiling.latency_mean:.2f} s = "
             f"{ceiling.by_littles_law:.1f}/s)"),
            ("  call latency mean / p50 / p99 / max", f"{ceiling.latency_mean:.2f} / {ceiling.latency_p50:.2f} / "
             f"{ceiling.latency_p99:.2f} / {ceiling.latency_max:.2f} s"),
        ]
    if capacity:
        rows.append((f"proxy without latency, {capacity.concurrency} in flight",
                     f"{capacity.calls_per_second:.0f} calls/s (p99 {capacity.latency_p99 * 1000:.0f} ms): "
                     "what the proxy and node pass when nobody waits"))
    rows += [
        ("requests posted (all 200)", f"{f.requests} in {f.posting_seconds} s ({f.posts_per_second}/s)"),
        ("confirmed", f"{f.confirmed} of {f.requests}"),
        ("first POST to first signed (intake)", _s(f.first_signed_after)),
        ("first POST to first confirmation", _s(f.first_confirmed_after)),
        ("first POST to last confirmation", _s(f.last_confirmed_after)),
        ("confirmed/s, first to last confirmation",
         "- (all within one second)" if f.steady_per_second is None else f"{f.steady_per_second}"),
        ("confirmed/s, first POST to last confirmation", f"{f.overall_per_second}"),
        (f"confirmed/s, sliding {f.window:.0f} s window: best / median", f"{f.window_best} / {f.window_median}"),
        ("node calls (proxy), first POST to last confirmation", f"{f.node_calls} = {f.calls_per_confirmed} per confirmed"),
        ("  by method (worker's count)", ", ".join(f"{m} {n}" for m, n in f.calls_by_method.items()) or "?"),
        ("peak calls in flight: worker gauge / at the proxy", f"{f.worker_in_flight_peak} / {f.proxy_in_flight_peak}"),
        ("worker RSS: before the load / peak / end", f"{f.rss_at_post_mb} / {f.rss_peak_mb} / {f.rss_end_mb} MB"),
        ("confirmed after its block was deep enough: p50 / p90 / max",
         f"{_s(f.lag_median)} / {_s(f.lag_p90)} / {_s(f.lag_max)}"),
        ("blocks holding the confirmed transactions", f"{f.blocks_with_ours}"),
        ("sender lanes started", f"{f.lanes_started}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [header, ""]
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    return "\n".join(lines)


def summary(figures: Figures, ceiling: Ceiling | None) -> str:
    if figures.steady_per_second is None:
        line = f"confirmed {figures.overall_per_second:.1f}/s (first POST to last confirmation; all confirmed at once)"
    else:
        line = f"confirmed {figures.steady_per_second:.1f}/s (first to last confirmation)"
    if ceiling and figures.calls_per_confirmed:
        line += (f"; node ceiling at {ceiling.concurrency} in flight: {ceiling.calls_per_second:.0f} calls/s = "
                 f"{ceiling.calls_per_second / figures.calls_per_confirmed:.0f} tx/s at "
                 f"{figures.calls_per_confirmed:.2f} calls/tx")
    return line


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
