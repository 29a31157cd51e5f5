"""Fills the requests topic through the API before the workers start: `count` POSTs over
`concurrency` keep-alive connections, spread round-robin over the senders' message types, no
Idempotency-Key (each POST a new request, as most callers send them). A 503 is tried again
after a pause; anything else but 200 stops the run."""

import asyncio
import json
import time

import aiohttp


class PostFailed(Exception):
    pass


async def _post_all(port: int, bodies: list[bytes], count: int, concurrency: int, say) -> tuple[int, float]:
    url = f"http://127.0.0.1:{port}/transaction/broadcast"
    headers = {"Content-Type": "application/json"}
    next_index = 0
    answered = 0
    started = time.monotonic()
    last_report = started
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index, answered, last_report
        while next_index < count:
            index = next_index
            next_index += 1
            body = bodies[index % len(bodies)]
            for attempt in range(20):
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        text = await response.read()
                        if response.status == 200:
                            answered += 1
                            break
                        if response.status != 503:
                            raise PostFailed(f"POST #{index} answered {response.status}: {text[:300]!r}")
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(min(0.2 * 2 ** attempt, 2.0))
            else:
                raise PostFailed(f"POST #{index} got no 200 in 20 tries")
            now = time.monotonic()
            if now - last_report >= 15:
                last_report = now
                say(f"  posted {answered} of {count} ({answered / (now - started):.0f}/s)")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return answered, time.monotonic() - started


def post(port: int, senders, count: int, concurrency: int, say) -> tuple[int, float]:
    """(requests answered 200, seconds taken)."""
    bodies = [json.dumps({"message_type": s.signature, "data": s.calldata(1)}).encode() for s in senders]
    return asyncio.run(_post_all(port, bodies, count, concurrency, say))
