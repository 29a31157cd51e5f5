"""What the chain holds at one moment: every mined transaction of the canonical chain with its
receipt status, each sender's nonces, and what the node's pool still holds for them.

Read from the node directly (not through the flaky proxy). The scan checks that the blocks it
read form one chain (every parent hash links) and that the head did not move under a reorg
while it read; otherwise it reads again.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from .rpc import ChainClient, quantity

BLOCKS_PER_BATCH = 50
RECEIPTS_PER_BATCH = 200
SCAN_ATTEMPTS = 5


class ScanError(Exception):
    pass


@dataclass(frozen=True)
class MinedTx:
    hash: str
    block: int
    block_hash: str
    sender: str          # lower-case hex
    nonce: int
    to: str | None       # lower-case hex
    value: int
    input: str           # lower-case hex, "0x" when empty
    succeeded: bool

    def is_cancellation(self) -> bool:
        """A zero-value transfer from the sender to itself with no data: what takes a nonce
        that must never carry its request."""
        return self.to == self.sender and self.value == 0 and self.input == "0x"


@dataclass
class ChainState:
    head: int
    head_hash: str
    mined: list[MinedTx]
    latest_count: dict[str, int]                    # sender -> eth_getTransactionCount at `head`
    pending_count: dict[str, int]                   # sender -> eth_getTransactionCount(pending)
    pooled: dict[str, list[tuple[str, int]]] = field(default_factory=dict)   # sender -> [(pending|queued, nonce)]
    by_calldata: dict[str, list[MinedTx]] = field(init=False)
    by_sender_nonce: dict[tuple[str, int], list[MinedTx]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_calldata = defaultdict(list)
        self.by_sender_nonce = defaultdict(list)
        for tx in self.mined:
            self.by_calldata[tx.input].append(tx)
            self.by_sender_nonce[(tx.sender, tx.nonce)].append(tx)

    def depth(self, tx: MinedTx) -> int:
        """Confirmations in the usual sense: the tx's own block counts as 1."""
        return self.head - tx.block + 1

    def transactions_of(self, sender: str) -> list[MinedTx]:
        return [tx for tx in self.mined if tx.sender == sender.lower()]


def read_chain(client: ChainClient, senders: list[str]) -> ChainState:
    """Every block from genesis to the head, their transactions and receipts, and each sender's
    counts and pool entries. Retries when a reorg moved the chain during the scan."""
    last_problem = ""
    for _ in range(SCAN_ATTEMPTS):
        try:
            return _read_once(client, [s.lower() for s in senders])
        except ScanError as problem:
            last_problem = str(problem)
    raise ScanError(f"the chain kept moving under the scan ({SCAN_ATTEMPTS} attempts): {last_problem}")


def _read_once(client: ChainClient, senders: list[str]) -> ChainState:
    head = quantity(client.call("eth_blockNumber"))
    blocks: list[dict] = []
    for first in range(0, head + 1, BLOCKS_PER_BATCH):
        numbers = range(first, min(head, first + BLOCKS_PER_BATCH - 1) + 1)
        for number, block in zip(numbers, client.batch("eth_getBlockByNumber", [[hex(n), True] for n in numbers])):
            if block is None:
                raise ScanError(f"block {number} vanished (the chain got shorter)")
            if blocks and block["parentHash"] != blocks[-1]["hash"]:
                raise ScanError(f"block {number} does not follow block {number - 1} (a reorg during the scan)")
            blocks.append(block)
    transactions = [(block, tx) for block in blocks for tx in block["transactions"]]
    receipts = []
    hashes = [tx["hash"] for _, tx in transactions]
    for first in range(0, len(hashes), RECEIPTS_PER_BATCH):
        receipts += client.batch("eth_getTransactionReceipt", [[h] for h in hashes[first:first + RECEIPTS_PER_BATCH]])
    mined = []
    for (block, tx), receipt in zip(transactions, receipts):
        if receipt is None or receipt["blockHash"] != block["hash"]:
            raise ScanError(f"the receipt of {tx['hash']} is not from block {quantity(block['number'])} any more")
        mined.append(MinedTx(
            hash=tx["hash"].lower(), block=quantity(block["number"]), block_hash=block["hash"].lower(),
            sender=tx["from"].lower(), nonce=quantity(tx["nonce"]),
            to=tx["to"].lower() if tx.get("to") else None, value=quantity(tx["value"]),
            input=(tx.get("input") or "0x").lower(), succeeded=quantity(receipt["status"]) == 1))
    # The counts at the scanned head (what `latest` said then), so a block mined meanwhile
    # cannot make them disagree with the scan.
    latest = dict(zip(senders, (quantity(c) for c in client.batch(
        "eth_getTransactionCount", [[s, hex(head)] for s in senders]))))
    pending = dict(zip(senders, (quantity(c) for c in client.batch(
        "eth_getTransactionCount", [[s, "pending"] for s in senders]))))
    still_head = client.call("eth_getBlockByNumber", hex(head), False)
    if still_head is None or still_head["hash"] != blocks[-1]["hash"]:
        raise ScanError(f"block {head} changed while the chain was read (a reorg)")
    return ChainState(head=head, head_hash=blocks[-1]["hash"].lower(), mined=mined,
                      latest_count=latest, pending_count=pending, pooled=_pool_of(client, senders))


def _pool_of(client: ChainClient, senders: list[str]) -> dict[str, list[tuple[str, int]]]:
    """txpool_content (geth's shape), reduced to our senders' (pending|queued, nonce)."""
    content = client.call("txpool_content")
    pooled: dict[str, list[tuple[str, int]]] = {s: [] for s in senders}
    for kind in ("pending", "queued"):
        for sender, by_nonce in (content.get(kind) or {}).items():
            if sender.lower() in pooled:
                pooled[sender.lower()] += [(kind, int(nonce)) for nonce in by_nonce]
    return pooled
