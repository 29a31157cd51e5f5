"""A local EVM node: JSON-RPC 2.0 over HTTP on py-evm, with a geth-like transaction pool.

    .venv/bin/python devchain/node.py --host 127.0.0.1 --port 8545 [--chain-id N] [--block-time S]
        [--pool-account-slots 16] [--pool-global-slots 5120] [--pool-account-queue 64]
        [--pool-global-queue 1024] [--pool-lifetime 10800]
        [--seed N] [--evict-probability P] [--reorg-every K] [--reorg-depth D]
        [--reorg-drop-probability P] [--max-batch 1000] [--without-methods eth_getBlockReceipts,...]

Prints `READY http://HOST:PORT` on stdout once listening; logs go to stderr. SIGHUP
restarts the node without its pool (as `dev_restart`). See devchain/README.md.
"""

import argparse
import logging
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import rpc
from devnode import Chaos, DevNode
from mempool import PoolLimits

DEFAULT_CHAIN_ID = 131277322940537
MAX_BODY = 16 * 1024 * 1024


def make_handler(methods: rpc.Methods, max_batch: int = rpc.DEFAULT_MAX_BATCH):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive plus no Nagle: ~100 tx/s instead of 14-19 (measured here).
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, b"request body too large\n", "text/plain")
                return
            body = self.rfile.read(length)
            if methods.node.is_down():   # restarting: the call is cut off unanswered
                self.close_connection = True
                return
            self._reply(200, rpc.handle_body(methods, body, max_batch), "application/json")

        def do_GET(self):
            self._reply(405, b"POST JSON-RPC 2.0 requests\n", "text/plain")

        def _reply(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # one line per request is too noisy
            pass

    return Handler


class NodeHTTPServer(ThreadingHTTPServer):
    # The backlog is set when the constructor listens, so it must be a class attribute: with
    # socketserver's default of 5, a burst of clients under load saw SYNs dropped and connects
    # that took seconds.
    request_queue_size = 1024
    daemon_threads = True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8545, help="0 picks a free port")
    parser.add_argument("--chain-id", type=int, default=DEFAULT_CHAIN_ID)
    parser.add_argument("--block-time", type=float, default=1.0,
                        help="seconds between blocks; 0 mines as soon as transactions are executable")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--max-batch", type=int, default=rpc.DEFAULT_MAX_BATCH,
                        help="calls a batch may hold (geth's --rpc.batch-request-limit); more get one 'batch too large' error")
    parser.add_argument("--without-methods", default="",
                        help="comma-separated methods answered -32601 'does not exist', as a node without them")
    pool = parser.add_argument_group("pool limits (geth's txpool defaults)")
    defaults = PoolLimits()
    pool.add_argument("--pool-account-slots", type=int, default=defaults.account_slots,
                      help="pending transactions an account keeps when the pool's pending is full")
    pool.add_argument("--pool-global-slots", type=int, default=defaults.global_slots,
                      help="pending transactions of all accounts before the largest are shaved")
    pool.add_argument("--pool-account-queue", type=int, default=defaults.account_queue,
                      help="queued (gapped) transactions per account")
    pool.add_argument("--pool-global-queue", type=int, default=defaults.global_queue,
                      help="queued transactions of all accounts")
    pool.add_argument("--pool-lifetime", type=float, default=defaults.lifetime,
                      help="seconds a silent account's queued transactions stay")
    chaos = parser.add_argument_group("chaos (seeded)")
    chaos.add_argument("--seed", type=int, default=None)
    chaos.add_argument("--evict-probability", type=float, default=0.0,
                       help="after each block, drop each pooled transaction with this probability")
    chaos.add_argument("--reorg-every", type=int, default=0,
                       help="reorganise after every K blocks (0: never)")
    chaos.add_argument("--reorg-depth", type=int, default=1,
                       help="an automatic reorg replaces 1 to D blocks by one more")
    chaos.add_argument("--reorg-drop-probability", type=float, default=0.0,
                       help="a replaced block's transaction is forgotten, not re-pooled, with this probability")
    args = parser.parse_args()
    if not 0 <= args.evict_probability <= 1 or not 0 <= args.reorg_drop_probability <= 1:
        parser.error("probabilities must be within 0 and 1")
    if args.max_batch < 1:
        parser.error("need --max-batch >= 1")
    if args.reorg_every < 0 or args.reorg_depth < 1:
        parser.error("need --reorg-every >= 0 and --reorg-depth >= 1")
    try:
        limits = PoolLimits(args.pool_account_slots, args.pool_global_slots, args.pool_account_queue,
                            args.pool_global_queue, args.pool_lifetime)
    except ValueError as error:
        parser.error(str(error))
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s node %(levelname)s %(message)s")

    node = DevNode(args.chain_id, args.block_time, limits,
                   Chaos(args.seed, args.evict_probability, args.reorg_every, args.reorg_depth,
                         args.reorg_drop_probability))
    without = frozenset(name.strip() for name in args.without_methods.split(",") if name.strip())
    server = NodeHTTPServer((args.host, args.port), make_handler(rpc.Methods(node, without), args.max_batch))

    def shut_down(signum, frame):
        logging.info("signal %d: shutting down", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    def restart(signum, frame):
        threading.Thread(target=node.restart, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    signal.signal(signal.SIGHUP, restart)
    node.start()
    host, port = server.server_address[:2]
    logging.info("chain id %d, block time %.3g s, %s, %s", args.chain_id, args.block_time, limits, node.chaos)
    print(f"READY http://{host}:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
