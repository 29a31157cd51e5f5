"""A JSON-RPC proxy that behaves like the mission's unreliable node.

    .venv/bin/python devchain/flaky_proxy.py --upstream http://127.0.0.1:8545 --port 8546
        [--seed N] [--time-scale X] [--p-silent 0.01] [--p-error 0.04]
        [--latency-min 20] [--latency-max 30] [--silent-forward-fraction 0.5]
        [--fault-methods eth_sendRawTransaction,...]

Per request, a seeded RNG picks one outcome:
  silent  (p-silent): no answer; the connection is held latency-max * 1.5, then closed.
          In silent-forward-fraction of these the call still reaches the upstream.
  error   (p-error): 502, 503, or a JSON-RPC -32000 error, never forwarded.
  ok      (the rest): forwarded at once, answered after a uniform latency.
Every duration is divided by --time-scale. A body whose calls are all `dev_` methods (the
node's test commands) is forwarded at once and answered as the node answered, without a
draw, so commands never perturb a seeded run. With --fault-methods only bodies calling one
of those methods get a draw; the others pass straight through the same way, so a test can
lose the answers of sends alone while the caller's reads are answered.
`POST /_proxy/outage {"seconds": S}` takes the proxy down for S seconds: it stops listening
(connections are refused) and cuts the connections it holds, then listens on the same port
again. Prints `READY http://HOST:PORT` on stdout;
`GET /stats` and SIGTERM (on stderr) report per-outcome counters; `requests` counts the HTTP
requests that got a draw, `batches` those of them that were batches and `calls` the calls they
carried (a single request is one call).
"""

import argparse
import asyncio
import json
import logging
import random
import resource
import signal
import sys
import time
from collections import Counter

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

log = logging.getLogger("flaky-proxy")

ERROR_KINDS = ("http_502", "http_503", "rpc_internal_error", "rpc_timeout")
COUNTERS = ("requests", "batches", "calls", "ok", "silent_forwarded", "silent_dropped", *ERROR_KINDS,
            "upstream_failed", "max_in_flight", "dev_passthrough", "passthrough", "outages")
UPSTREAM_CONNECTIONS = 64   # the upstream node is thread-per-connection: bound it


class Outcome:
    def __init__(self, kind: str, forward: bool, delay: float) -> None:
        self.kind = kind        # "ok", "silent" or one of ERROR_KINDS
        self.forward = forward
        self.delay = delay      # seconds, already scaled


class FlakyProxy:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats: Counter = Counter({name: 0 for name in COUNTERS})
        self.in_flight = 0
        self.started = time.monotonic()
        self.session: ClientSession | None = None
        self.runner: web.AppRunner | None = None
        self.site: web.TCPSite | None = None
        self.address: tuple[str, int] | None = None
        self.down = False
        self.outage_task: asyncio.Task | None = None

    def scaled(self, seconds: float) -> float:
        return seconds / self.args.time_scale

    def decide(self) -> Outcome:
        """All randomness for one request, drawn in arrival order so a seed replays it."""
        a = self.args
        roll = self.rng.random()
        latency = self.scaled(self.rng.uniform(a.latency_min, a.latency_max))
        if roll < a.p_silent:
            forward = self.rng.random() < a.silent_forward_fraction
            return Outcome("silent", forward, self.scaled(a.latency_max * 1.5))
        if roll < a.p_silent + a.p_error:
            # An error comes back after part of the usual latency, like a node giving up.
            return Outcome(self.rng.choice(ERROR_KINDS), False, latency * self.rng.random())
        return Outcome("ok", True, latency)

    async def handle_rpc(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if self.down:
            # A call on a connection kept from before the outage: cut off unanswered.
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable()
        passthrough = ("dev_passthrough" if _only_dev_calls(body)
                       else "passthrough" if not _calls_any(body, self.args.fault_methods) else None)
        if passthrough is not None:
            self.stats[passthrough] += 1
            forwarded = await self._forward(body)
            if forwarded is None:
                return web.Response(status=502, text="upstream unreachable\n")
            status, payload = forwarded
            return web.Response(status=status, body=payload, content_type="application/json")
        outcome = self.decide()
        arrived = time.monotonic()
        self.in_flight += 1
        self.stats["requests"] += 1
        calls = _call_count(body)
        self.stats["calls"] += calls if calls is not None else 1
        self.stats["batches"] += calls is not None
        self.stats["max_in_flight"] = max(self.stats["max_in_flight"], self.in_flight)
        try:
            return await self._serve(request, body, outcome, arrived)
        finally:
            self.in_flight -= 1

    async def _serve(self, request, body, outcome, arrived) -> web.StreamResponse:
        forwarded = None
        if outcome.forward:
            forwarded = await self._forward(body)
        await asyncio.sleep(max(0.0, outcome.delay - (time.monotonic() - arrived)))
        if outcome.kind == "silent":
            self.stats["silent_forwarded" if outcome.forward else "silent_dropped"] += 1
            if request.transport is not None:   # None once the caller has given up already
                request.transport.close()       # the caller never hears back
            raise web.HTTPRequestTimeout()  # unreachable for the caller: the socket is closed
        if outcome.kind in ("http_502", "http_503"):
            self.stats[outcome.kind] += 1
            status = 502 if outcome.kind == "http_502" else 503
            return web.Response(status=status, text=f"upstream unavailable ({status})\n")
        if outcome.kind.startswith("rpc_"):
            self.stats[outcome.kind] += 1
            message = "internal error" if outcome.kind == "rpc_internal_error" else "request timed out"
            return _rpc_error_response(body, message)
        if forwarded is None:
            self.stats["upstream_failed"] += 1
            return web.Response(status=502, text="upstream unreachable\n")
        self.stats["ok"] += 1
        status, payload = forwarded
        return web.Response(status=status, body=payload, content_type="application/json")

    async def _forward(self, body: bytes) -> tuple[int, bytes] | None:
        try:
            async with self.session.post(
                self.args.upstream, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                return response.status, await response.read()
        except (ClientError, asyncio.TimeoutError) as error:
            log.warning("upstream call failed: %s", error)
            return None

    async def handle_outage(self, request: web.Request) -> web.Response:
        try:
            options = json.loads(await request.read())
        except ValueError:
            options = None
        seconds = options.get("seconds") if isinstance(options, dict) and set(options) == {"seconds"} else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
            return web.json_response({"error": 'give {"seconds": S} with 0 < S <= 3600'}, status=400)
        if self.down:
            return web.json_response({"error": "an outage is under way"}, status=409)
        self.down = True
        self.stats["outages"] += 1
        self.outage_task = asyncio.create_task(self._outage(float(seconds)))
        return web.json_response({"seconds": seconds})

    async def _outage(self, seconds: float) -> None:
        await asyncio.sleep(0.05)   # the answer to the command goes out first
        host, port = self.address
        log.info("outage: refusing connections on %s:%d for %g s", host, port, seconds)
        await self.site.stop()
        for handler in self.runner.server.connections:
            handler.force_close()
        await asyncio.sleep(seconds)
        self.site = web.TCPSite(self.runner, host, port, backlog=4096)
        await self.site.start()
        self.down = False
        log.info("outage over: listening on %s:%d again", host, port)

    async def handle_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    def snapshot(self) -> dict:
        counters = dict(self.stats)
        counters["in_flight"] = self.in_flight
        counters["uptime_seconds"] = round(time.monotonic() - self.started, 3)
        return counters


def _only_dev_calls(body: bytes) -> bool:
    """True for a call or a non-empty batch made only of `dev_` methods."""
    if b'"dev_' not in body:    # most bodies: no parse
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    calls = parsed if isinstance(parsed, list) else [parsed]
    return bool(calls) and all(
        isinstance(call, dict) and isinstance(call.get("method"), str) and call["method"].startswith("dev_")
        for call in calls)


def _call_count(body: bytes) -> int | None:
    """The number of calls in a batch body; None for a single call (or a body that does not
    parse, which the node answers with one error)."""
    if not body.lstrip().startswith(b"["):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return len(parsed) if isinstance(parsed, list) else None


def _calls_any(body: bytes, methods: frozenset[str] | None) -> bool:
    """True when `methods` is None (every call is faulted) or the body calls one of them; a
    body that does not parse is faulted like any other."""
    if methods is None:
        return True
    try:
        parsed = json.loads(body)
    except ValueError:
        return True
    calls = parsed if isinstance(parsed, list) else [parsed]
    return not calls or any(not isinstance(call, dict) or call.get("method") in methods for call in calls)


def _rpc_error_response(body: bytes, message: str) -> web.Response:
    """A JSON-RPC -32000 error for every request in the body, echoing their ids."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    requests = parsed if isinstance(parsed, list) else [parsed]
    answers = [
        {"jsonrpc": "2.0", "id": item.get("id") if isinstance(item, dict) else None,
         "error": {"code": -32000, "message": message}}
        for item in requests
    ]
    return web.json_response(answers if isinstance(parsed, list) else answers[0])


async def serve(args: argparse.Namespace) -> None:
    proxy = FlakyProxy(args)
    proxy.session = ClientSession(
        connector=TCPConnector(limit=UPSTREAM_CONNECTIONS),
        timeout=ClientTimeout(total=max(60.0, args.latency_max * 2)),
    )
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_get("/stats", proxy.handle_stats)
    app.router.add_post("/_proxy/outage", proxy.handle_outage)
    app.router.add_post("/{tail:.*}", proxy.handle_rpc)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, backlog=4096)
    await site.start()
    host, port = runner.addresses[0][:2]
    proxy.runner, proxy.site, proxy.address = runner, site, (host, port)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("forwarding to %s (seed %s, time scale %g)", args.upstream, args.seed, args.time_scale)
    print(f"READY http://{host}:{port}", flush=True)
    await stop.wait()
    print("flaky-proxy stats " + json.dumps(proxy.snapshot(), sort_keys=True), file=sys.stderr, flush=True)
    await runner.cleanup()
    await proxy.session.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="JSON-RPC proxy that behaves like an unreliable node")
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8546, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--p-silent", type=float, default=0.01)
    parser.add_argument("--p-error", type=float, default=0.04)
    parser.add_argument("--latency-min", type=float, default=20.0)
    parser.add_argument("--latency-max", type=float, default=30.0)
    parser.add_argument("--silent-forward-fraction", type=float, default=0.5)
    parser.add_argument("--fault-methods", default=None,
                        help="comma-separated methods: only bodies calling one of them get a draw (default: all)")
    args = parser.parse_args()
    if args.fault_methods is not None:
        args.fault_methods = frozenset(m.strip() for m in args.fault_methods.split(",") if m.strip())
        if not args.fault_methods:
            parser.error("--fault-methods needs at least one method name")
    if not 0 <= args.p_silent + args.p_error <= 1 or args.p_silent < 0 or args.p_error < 0:
        parser.error("--p-silent and --p-error must be probabilities summing to at most 1")
    if args.time_scale <= 0 or not 0 <= args.latency_min <= args.latency_max:
        parser.error("need --time-scale > 0 and 0 <= --latency-min <= --latency-max")
    return args


def raise_open_file_limit(wanted: int = 65536) -> None:
    """Each held call is a socket: lift the soft limit (and the hard one where allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in ((max(wanted, hard), max(wanted, hard)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            break
        except (ValueError, OSError):
            continue
    log.info("open file limit %d", resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def main() -> int:
    args = parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s flaky-proxy %(levelname)s %(message)s")
    raise_open_file_limit()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
