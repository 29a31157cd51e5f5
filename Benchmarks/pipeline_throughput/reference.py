"""The sink measured alone, in the same run, so that the pipeline's figure stands next to what
the node could take:

1. at zero latency, signed transactions sent in batches of 100 (each decoded and its sender
   recovered, as in the pipeline), and receipt lookups: what the sink processes per second;
2. at the run's latency, `hold` calls kept in flight in batches of 100: the calls per second
   it answers, which the pipeline's transactions per second cannot exceed at that depth.
"""

import asyncio
import json
import time
from dataclasses import dataclass

import aiohttp
from eth_account import Account

from chaos_harness.config import CHAIN_ID

BATCH = 100


@dataclass
class Capacity:
    sends_per_second: float
    lookups_per_second: float


@dataclass
class Holding:
    calls_per_second: float
    held: int
    latency_mean: float


def signed_transactions(count: int, keys: int = 8) -> list[str]:
    accounts = [Account.from_key("0x" + f"{1000 + index:064x}") for index in range(keys)]
    raws = []
    for index in range(count):
        account = accounts[index % keys]
        signed = Account.sign_transaction({
            "type": 2, "chainId": CHAIN_ID, "nonce": index // keys, "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "value": 0, "gas": 100_000, "maxFeePerGas": 10 ** 10, "maxPriorityFeePerGas": 10 ** 9,
            "data": "0x" + f"{index:0128x}"}, account.key)
        raw = getattr(signed, "raw_transaction", None) or signed.rawTransaction
        raws.append("0x" + bytes(raw).hex())
    return raws


def _batch(method: str, params: list[list]) -> bytes:
    return json.dumps([{"jsonrpc": "2.0", "id": i, "method": method, "params": p} for i, p in enumerate(params)]).encode()


async def _capacity(url: str, raws: list[str], connections: int) -> Capacity:
    bodies = [_batch("eth_sendRawTransaction", [[raw] for raw in raws[i:i + BATCH]]) for i in range(0, len(raws), BATCH)]
    lookups = [_batch("eth_getTransactionReceipt", [["0x" + f"{i * BATCH + j:064x}"] for j in range(BATCH)])
               for i in range(len(bodies))]

    async def run(payloads: list[bytes]) -> float:
        queue = list(payloads)
        started = time.monotonic()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
            async def one() -> None:
                while queue:
                    body = queue.pop()
                    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
                        answers = json.loads(await response.read())
                        if not isinstance(answers, list) or len(answers) != BATCH:
                            raise RuntimeError(f"the sink answered a batch with {str(answers)[:200]}")
            await asyncio.gather(*(one() for _ in range(connections)))
        return len(payloads) * BATCH / (time.monotonic() - started)

    sends = await run(bodies)
    return Capacity(sends_per_second=sends, lookups_per_second=await run(lookups))


async def _holding(url: str, hold: int, seconds: float, warmup: float) -> Holding:
    body = _batch("eth_blockNumber", [[] for _ in range(BATCH)])
    answered = 0
    latencies: list[float] = []
    started = time.monotonic()
    counted_from = started + warmup
    deadline = counted_from + seconds
    connections = max(1, hold // BATCH)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), timeout=timeout) as session:
        async def one(offset: float) -> None:
            nonlocal answered
            await asyncio.sleep(offset)   # staggered, so answers come steadily
            while time.monotonic() < deadline:
                sent = time.monotonic()
                async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
                    await response.read()
                now = time.monotonic()
                if counted_from <= now <= deadline:
                    answered += BATCH
                    latencies.append(now - sent)
        stagger = min(warmup, 25.0)
        await asyncio.gather(*(one(stagger * index / connections) for index in range(connections)))
    mean = sum(latencies) / len(latencies) if latencies else 0.0
    return Holding(calls_per_second=answered / seconds, held=connections * BATCH, latency_mean=mean)


def capacity(url: str, raws: list[str], connections: int = 4) -> Capacity:
    return asyncio.run(_capacity(url, raws, connections))


def holding(url: str, hold: int, seconds: float, warmup: float) -> Holding:
    return asyncio.run(_holding(url, hold, seconds, warmup))
