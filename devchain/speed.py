"""Measures the node: transfers accepted and mined per second, and read latencies.

    .venv/bin/python devchain/speed.py [--transfers 2000] [--clients 4] [--node DIR] [-- NODE ARGS…]

Starts `DIR/node.py` (default: this checkout's) with `--block-time 0` on a free port, sends
pre-signed transfers from `--clients` dev accounts over keep-alive connections, waits for
all of them to be mined, then times lookups. Prints one JSON line. A loaded machine moves
the figures: compare two nodes in the same run (`--node` an older copy), never across runs.
"""

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from eth_account import Account

HERE = Path(__file__).resolve().parent
CHAIN_ID = 131277322940537
GWEI = 10**9


class Client:
    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)

    def __call__(self, method: str, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        self.connection.request("POST", "/", body, {"Content-Type": "application/json"})
        answer = json.loads(self.connection.getresponse().read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]


def start_node(directory: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, str(directory / "node.py"), "--port", "0", "--block-time", "0",
         "--log-level", "WARNING", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise SystemExit(f"node did not start: {line!r}")
    return process, line.split()[1]


def signed_transfers(key_index: int, count: int) -> list[str]:
    key = "0x" + f"{key_index:064x}"
    return ["0x" + bytes(Account.sign_transaction(
        {"type": 2, "chainId": CHAIN_ID, "nonce": nonce, "to": "0x" + "22" * 20, "value": 1,
         "gas": 21000, "maxFeePerGas": 100 * GWEI, "maxPriorityFeePerGas": GWEI}, key
    ).raw_transaction).hex() for nonce in range(count)]


def timed(call, repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - started) / repeats * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--node", type=Path, default=HERE, help="directory holding node.py")
    parser.add_argument("node_args", nargs="*", help="after --: extra node flags")
    args = parser.parse_args()
    per_client = args.transfers // args.clients
    raws = [signed_transfers(index + 1, per_client) for index in range(args.clients)]
    process, url = start_node(args.node, args.node_args)
    try:
        hashes: list[list[str]] = [[] for _ in raws]

        def send(index: int) -> None:
            client = Client(url)
            for raw in raws[index]:
                hashes[index].append(client("eth_sendRawTransaction", raw))

        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(index,)) for index in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        accepted = time.perf_counter() - started
        client = Client(url)
        last = [h[-1] for h in hashes]
        while any(client("eth_getTransactionReceipt", h) is None for h in last):
            time.sleep(0.01)
        mined = time.perf_counter() - started
        every = [h for run in hashes for h in run]
        head = int(client("eth_blockNumber"), 16)
        biggest = max(range(1, head + 1),
                      key=lambda n: len(client("eth_getBlockByNumber", hex(n), False)["transactions"]))
        figures = {
            "node": str(args.node),
            "transfers": len(every),
            "accepted_per_s": round(len(every) / accepted),
            "mined_per_s": round(len(every) / mined),
            "blocks": head,
            "receipt_ms": round(timed(lambda: client("eth_getTransactionReceipt", every[len(every) // 2]), 200), 3),
            "tx_by_hash_ms": round(timed(lambda: client("eth_getTransactionByHash", every[0]), 200), 3),
            "biggest_block_txs": len(client("eth_getBlockByNumber", hex(biggest), False)["transactions"]),
            "block_hashes_ms": round(timed(lambda: client("eth_getBlockByNumber", hex(biggest), False), 50), 3),
            "pending_nonce_ms": round(timed(lambda: client(
                "eth_getTransactionCount", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", "pending"), 200), 3),
        }
        print(json.dumps(figures), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
