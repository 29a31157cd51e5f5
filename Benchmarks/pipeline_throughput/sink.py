"""A JSON-RPC node for throughput runs: it takes signed transactions as a real node's pool
would and mines every one of them, as fast as it can, behind a latency of its own.

    .venv/bin/python Benchmarks/pipeline_throughput/sink.py --port 0 --chain-id N
        [--latency-min 20] [--latency-max 30] [--block-time 1] [--seed N] [--max-batch 1000]

The local chain (devchain/) executes every transaction in py-evm and mines a few hundred a
second at most; a throughput goal of 1,000/s behind a 20-30 s node needs a node that is not
itself the limit. This one keeps the rules a broadcaster depends on and nothing else:

- `eth_sendRawTransaction` decodes the EIP-1559 or EIP-155 envelope and recovers the sender,
  answers the hash (keccak of the raw bytes), refuses a nonce below the sender's mined count
  ("nonce too low") and a hash it holds ("already known"); a second transaction at a pending
  nonce replaces the first.
- Every `--block-time` s a block takes each sender's pending transactions in nonce order from
  its mined count on (a gap waits); receipts say success.
- `eth_getTransactionCount` (latest, pending, or a block number), `eth_getTransactionByHash`,
  `eth_getTransactionReceipt`, `eth_getBlockByNumber` (hashes only), `eth_getBlockReceipts`,
  `eth_blockNumber`, `eth_chainId`, `eth_maxPriorityFeePerGas`, `eth_gasPrice`,
  `eth_estimateGas`.
- A batch (a JSON array) is answered as geth does: an array with one answer per element, an
  empty batch and one over `--max-batch` elements as a single error object.

Each HTTP request waits a uniform latency before it is processed (the call reaches the node
late, as through a slow network), once for a whole batch. `GET /stats` reports counters: HTTP
requests, calls and transactions (sends) in flight and their peaks, connections open and their
peak, sends accepted and refused, transactions mined, the head, the process's CPU seconds.
Prints `READY http://HOST:PORT` on stdout.
"""

import argparse
import asyncio
import bisect
import json
import random
import resource
import signal
import sys
import time
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass

import rlp
from aiohttp import web
from coincurve import PublicKey
from eth_hash.auto import keccak

BASE_FEE = 1_000_000_000
TIP = 1_000_000_000
GAS_USED = 30_000
GAS_LIMIT = 60_000_000


class RPCError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Tx:
    hash: bytes
    sender: bytes
    nonce: int
    to: bytes
    value: int
    data: bytes
    gas: int
    chain_id: int
    type: int
    max_fee: int
    tip: int
    block: int | None = None
    index: int = 0


def _int(field: bytes) -> int:
    return int.from_bytes(field, "big")


def decode(raw: bytes) -> Tx:
    """The transaction in `raw` with its recovered sender; RPCError when it is not one."""
    if not raw:
        raise RPCError(-32000, "rlp: empty input")
    try:
        if raw[0] == 2:
            fields = rlp.decode(raw[1:])
            if len(fields) != 12:
                raise RPCError(-32000, "rlp: wrong number of fields for a dynamic-fee transaction")
            chain_id, nonce, tip, max_fee, gas, to, value, data, _, y_parity, r, s = fields
            payload = b"\x02" + rlp.encode(fields[:9])
            recovery = _int(y_parity)
            kind, chain = 2, _int(chain_id)
        elif raw[0] >= 0xC0:
            fields = rlp.decode(raw)
            if len(fields) != 9:
                raise RPCError(-32000, "rlp: wrong number of fields for a legacy transaction")
            nonce, gas_price, gas, to, value, data, v, r, s = fields
            v = _int(v)
            if v < 35:
                raise RPCError(-32000, "only replay-protected (EIP-155) transactions allowed over RPC")
            chain, recovery = (v - 35) // 2, (v - 35) % 2
            payload = rlp.encode([nonce, gas_price, gas, to, value, data, chain, 0, 0])
            tip = max_fee = gas_price
            kind = 0
        else:
            raise RPCError(-32000, f"transaction type {raw[0]} not supported")
        signature = _int(r).to_bytes(32, "big") + _int(s).to_bytes(32, "big") + bytes([recovery])
        public = PublicKey.from_signature_and_message(signature, keccak(payload), hasher=None)
    except RPCError:
        raise
    except Exception as error:   # rlp and the curve raise many kinds; each is a bad transaction
        raise RPCError(-32000, f"invalid transaction: {error}") from None
    sender = keccak(public.format(compressed=False)[1:])[-20:]
    return Tx(hash=keccak(raw), sender=sender, nonce=_int(nonce), to=to, value=_int(value), data=data,
              gas=_int(gas), chain_id=chain, type=kind, max_fee=_int(max_fee), tip=_int(tip))


def hexq(value: int) -> str:
    return hex(value)


def hexb(data: bytes) -> str:
    return "0x" + data.hex()


def unhex(text, what: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise RPCError(-32602, f"invalid argument: {what} must be 0x-prefixed hex")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise RPCError(-32602, f"invalid argument: {what} is not hex") from None


class Chain:
    """The pool, the blocks and the receipts; no execution."""

    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self.blocks: list[tuple[bytes, bytes, int, list[bytes]]] = [(keccak(b"genesis"), bytes(32), int(time.time()), [])]
        self.txs: dict[bytes, Tx] = {}
        self.pending: dict[bytes, dict[int, Tx]] = defaultdict(dict)   # sender -> nonce -> tx
        self.mined_blocks: dict[bytes, list[int]] = defaultdict(list)  # sender -> block of each mined nonce
        self.stats: Counter = Counter()

    @property
    def head(self) -> int:
        return len(self.blocks) - 1

    def mined_count(self, sender: bytes, at: int | None = None) -> int:
        blocks = self.mined_blocks.get(sender, [])
        return len(blocks) if at is None else bisect.bisect_right(blocks, at)

    def send(self, raw: bytes) -> str:
        tx = decode(raw)
        if tx.chain_id != self.chain_id:
            raise RPCError(-32000, f"invalid chain id for signer: have {tx.chain_id} want {self.chain_id}")
        if tx.hash in self.txs:
            raise RPCError(-32000, "already known")
        if tx.nonce < self.mined_count(tx.sender):
            raise RPCError(-32000, f"nonce too low: next nonce {self.mined_count(tx.sender)}, tx nonce {tx.nonce}")
        replaced = self.pending[tx.sender].get(tx.nonce)
        if replaced is not None:
            self.txs.pop(replaced.hash, None)
            self.stats["replaced"] += 1
        self.pending[tx.sender][tx.nonce] = tx
        self.txs[tx.hash] = tx
        return hexb(tx.hash)

    def mine(self) -> None:
        number = len(self.blocks)
        included: list[Tx] = []
        for sender, waiting in self.pending.items():
            nonce = self.mined_count(sender)
            while nonce in waiting:
                tx = waiting.pop(nonce)
                self.mined_blocks[sender].append(number)
                included.append(tx)
                nonce += 1
        parent = self.blocks[-1][0]
        block_hash = keccak(parent + number.to_bytes(8, "big"))
        for index, tx in enumerate(included):
            tx.block, tx.index = number, index
        self.blocks.append((block_hash, parent, int(time.time()), [tx.hash for tx in included]))
        self.stats["mined"] += len(included)

    def pending_count(self, sender: bytes) -> int:
        nonce = self.mined_count(sender)
        while nonce in self.pending.get(sender, {}):
            nonce += 1
        return nonce

    def block_number(self, tag) -> int | None:
        if tag in ("latest", "pending", "safe", "finalized"):
            return self.head
        if tag == "earliest":
            return 0
        number = _int(unhex(tag, "block number")) if isinstance(tag, str) else None
        if number is None:
            raise RPCError(-32602, "invalid argument: block tag")
        return number if number <= self.head else None

    def block(self, number: int) -> dict:
        block_hash, parent, timestamp, hashes = self.blocks[number]
        return {"number": hexq(number), "hash": hexb(block_hash), "parentHash": hexb(parent),
                "timestamp": hexq(timestamp), "gasLimit": hexq(GAS_LIMIT), "gasUsed": hexq(GAS_USED * len(hashes)),
                "baseFeePerGas": hexq(BASE_FEE), "miner": "0x" + "00" * 20,
                "transactions": [hexb(h) for h in hashes]}

    def transaction(self, tx: Tx) -> dict:
        mined = tx.block is not None
        view = {"hash": hexb(tx.hash), "from": hexb(tx.sender), "to": hexb(tx.to) if tx.to else None,
                "nonce": hexq(tx.nonce), "value": hexq(tx.value), "input": hexb(tx.data), "gas": hexq(tx.gas),
                "type": hexq(tx.type), "chainId": hexq(tx.chain_id),
                "blockNumber": hexq(tx.block) if mined else None,
                "blockHash": hexb(self.blocks[tx.block][0]) if mined else None,
                "transactionIndex": hexq(tx.index) if mined else None}
        if tx.type == 2:
            view.update(maxFeePerGas=hexq(tx.max_fee), maxPriorityFeePerGas=hexq(tx.tip))
        else:
            view.update(gasPrice=hexq(tx.max_fee))
        return view

    def receipt(self, tx: Tx) -> dict:
        price = min(tx.max_fee, BASE_FEE + tx.tip) if tx.type == 2 else tx.max_fee
        return {"transactionHash": hexb(tx.hash), "from": hexb(tx.sender), "to": hexb(tx.to) if tx.to else None,
                "blockNumber": hexq(tx.block), "blockHash": hexb(self.blocks[tx.block][0]),
                "transactionIndex": hexq(tx.index), "status": "0x1", "gasUsed": hexq(GAS_USED),
                "cumulativeGasUsed": hexq(GAS_USED * (tx.index + 1)), "effectiveGasPrice": hexq(price),
                "contractAddress": None, "logs": [], "logsBloom": "0x" + "00" * 256, "type": hexq(tx.type)}

    def call(self, method: str, params: list):
        if method == "eth_sendRawTransaction":
            return self.send(unhex(_param(params, 0), "raw transaction"))
        if method == "eth_blockNumber":
            return hexq(self.head)
        if method == "eth_chainId":
            return hexq(self.chain_id)
        if method == "eth_maxPriorityFeePerGas":
            return hexq(TIP)
        if method == "eth_gasPrice":
            return hexq(BASE_FEE + TIP)
        if method == "eth_estimateGas":
            return hexq(GAS_USED)
        if method == "eth_getTransactionCount":
            sender = unhex(_param(params, 0), "address")
            tag = params[1] if len(params) > 1 else "latest"
            if tag == "pending":
                return hexq(self.pending_count(sender))
            number = self.block_number(tag)
            return hexq(self.mined_count(sender, None if number is None or number >= self.head else number))
        if method == "eth_getBlockByNumber":
            number = self.block_number(_param(params, 0))
            return None if number is None else self.block(number)
        if method == "eth_getBlockReceipts":
            number = self.block_number(_param(params, 0))
            if number is None:
                return None
            return [self.receipt(self.txs[h]) for h in self.blocks[number][3]]
        if method == "eth_getTransactionByHash":
            tx = self.txs.get(unhex(_param(params, 0), "hash"))
            return None if tx is None else self.transaction(tx)
        if method == "eth_getTransactionReceipt":
            tx = self.txs.get(unhex(_param(params, 0), "hash"))
            return None if tx is None or tx.block is None else self.receipt(tx)
        raise RPCError(-32601, f"the method {method} does not exist/is not available")


def _param(params: list, index: int):
    if index >= len(params):
        raise RPCError(-32602, f"missing value for required argument {index}")
    return params[index]


class Sink:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.chain = Chain(args.chain_id)
        self.stats = self.chain.stats
        self.in_flight_calls = 0
        self.in_flight_sends = 0
        self.in_flight_requests = 0
        self.transports: weakref.WeakSet = weakref.WeakSet()

    def delay(self) -> float:
        return self.rng.uniform(self.args.latency_min, self.args.latency_max)

    def answer(self, call) -> dict:
        request_id = call.get("id") if isinstance(call, dict) else None
        try:
            if not isinstance(call, dict) or call.get("jsonrpc") != "2.0" or not isinstance(call.get("method"), str):
                raise RPCError(-32600, "invalid request")
            params = call.get("params", [])
            if not isinstance(params, list):
                raise RPCError(-32602, "invalid params")
            method = call["method"]
            self.stats[f"calls.{method}"] += 1
            result = self.chain.call(method, params)
            if method == "eth_sendRawTransaction":
                self.stats["sends_accepted"] += 1
            return {"jsonrpc": "2.0", "id": request_id, "result": result}
        except RPCError as error:
            if isinstance(call, dict) and call.get("method") == "eth_sendRawTransaction":
                self.stats["sends_refused"] += 1
            return {"jsonrpc": "2.0", "id": request_id, "error": {"code": error.code, "message": error.message}}

    async def handle_rpc(self, request: web.Request) -> web.Response:
        if request.transport is not None:
            self.transports.add(request.transport)
            self.stats["max_connections"] = max(self.stats["max_connections"], self.connections())
        body = await request.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            return web.json_response({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        calls = len(parsed) if isinstance(parsed, list) else 1
        sends = sum(1 for call in (parsed if isinstance(parsed, list) else [parsed])
                    if isinstance(call, dict) and call.get("method") == "eth_sendRawTransaction")
        self.stats["requests"] += 1
        self.stats["calls"] += calls
        self.stats["max_batch"] = max(self.stats["max_batch"], calls)
        self.in_flight_calls += calls
        self.in_flight_sends += sends
        self.in_flight_requests += 1
        self.stats["max_in_flight_calls"] = max(self.stats["max_in_flight_calls"], self.in_flight_calls)
        self.stats["max_in_flight_sends"] = max(self.stats["max_in_flight_sends"], self.in_flight_sends)
        self.stats["max_in_flight_requests"] = max(self.stats["max_in_flight_requests"], self.in_flight_requests)
        try:
            wait = self.delay()
            if wait > 0:
                await asyncio.sleep(wait)
            if isinstance(parsed, list):
                if not parsed:
                    answer = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}}
                elif len(parsed) > self.args.max_batch:
                    answer = {"jsonrpc": "2.0", "id": None, "error": {
                        "code": -32600, "message": f"batch too large: at most {self.args.max_batch} calls"}}
                else:
                    answer = [self.answer(call) for call in parsed]
            else:
                answer = self.answer(parsed)
            return web.Response(body=json.dumps(answer, separators=(",", ":")), content_type="application/json")
        finally:
            self.in_flight_calls -= calls
            self.in_flight_sends -= sends
            self.in_flight_requests -= 1

    def connections(self) -> int:
        return sum(1 for transport in list(self.transports) if not transport.is_closing())

    def snapshot(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {**self.stats, "in_flight_calls": self.in_flight_calls, "in_flight_sends": self.in_flight_sends,
                "in_flight_requests": self.in_flight_requests,
                "connections": self.connections(), "head": self.chain.head,
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3)}

    async def handle_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    async def miner(self) -> None:
        while True:
            await asyncio.sleep(self.args.block_time)
            self.chain.mine()


async def serve(args: argparse.Namespace) -> None:
    sink = Sink(args)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/", sink.handle_rpc)
    app.router.add_get("/stats", sink.handle_stats)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=3600, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, backlog=4096)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"READY http://{args.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    miner = asyncio.create_task(sink.miner())
    await stop.wait()
    miner.cancel()
    print(json.dumps(sink.snapshot()), file=sys.stderr, flush=True)
    await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--chain-id", type=int, required=True)
    parser.add_argument("--latency-min", type=float, default=20.0)
    parser.add_argument("--latency-max", type=float, default=30.0)
    parser.add_argument("--block-time", type=float, default=1.0)
    parser.add_argument("--max-batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if not 0 <= args.latency_min <= args.latency_max:
        parser.error("need 0 <= --latency-min <= --latency-max")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 65536), hard), hard))
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
