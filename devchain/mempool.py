"""The transaction pool in front of py-evm: pending and queued transactions per sender.

A transaction is *pending* when every nonce between the account's state nonce and its own
is in the pool (it can be mined now) and *queued* while a gap remains, like geth's pool.
Not thread-safe: the node guards it with its pool lock.
"""

from dataclasses import dataclass

from serialize import fee_cap, tip_cap

# geth's default txpool.pricebump: a replacement must pay 10% more on every fee field.
PRICE_BUMP_PERCENT = 10


class TxRejected(Exception):
    """A transaction the node refuses; the text is geth's, returned as JSON-RPC -32000."""


@dataclass(frozen=True)
class PoolTx:
    tx: object          # py-evm signed transaction
    sender: bytes
    arrival: int        # order of arrival, breaks fee ties like geth's time ordering

    @property
    def hash(self) -> bytes:
        return self.tx.hash

    @property
    def nonce(self) -> int:
        return self.tx.nonce

    @property
    def fee_cap(self) -> int:
        return fee_cap(self.tx)

    @property
    def tip_cap(self) -> int:
        return tip_cap(self.tx)

    @property
    def cost(self) -> int:
        return self.tx.gas * self.fee_cap + self.tx.value

    def effective_tip(self, base_fee: int) -> int:
        return min(self.tip_cap, self.fee_cap - base_fee)


class Mempool:
    def __init__(self) -> None:
        self._by_sender: dict[bytes, dict[int, PoolTx]] = {}
        self._by_hash: dict[bytes, PoolTx] = {}
        self._arrivals = 0

    def __len__(self) -> int:
        return len(self._by_hash)

    def get(self, tx_hash: bytes) -> PoolTx | None:
        return self._by_hash.get(tx_hash)

    def add(self, tx, sender: bytes) -> PoolTx:
        """Adds or replaces by (sender, nonce); raises TxRejected for an underpriced replacement."""
        slots = self._by_sender.setdefault(sender, {})
        self._arrivals += 1
        entry = PoolTx(tx, sender, self._arrivals)
        existing = slots.get(entry.nonce)
        if existing is not None:
            if not _outbids(entry, existing):
                raise TxRejected("replacement transaction underpriced")
            del self._by_hash[existing.hash]
        slots[entry.nonce] = entry
        self._by_hash[entry.hash] = entry
        return entry

    def pending_nonce(self, sender: bytes, state_nonce: int) -> int:
        """The next nonce after the contiguous run starting at the state nonce."""
        slots = self._by_sender.get(sender, {})
        nonce = state_nonce
        while nonce in slots:
            nonce += 1
        return nonce

    def executable(self, state_nonce_of) -> list[list[PoolTx]]:
        """Per sender, the contiguous run of transactions starting at its state nonce."""
        runs = []
        for sender, slots in self._by_sender.items():
            nonce = state_nonce_of(sender)
            run = []
            while nonce in slots:
                run.append(slots[nonce])
                nonce += 1
            if run:
                runs.append(run)
        return runs

    def prune(self, sender: bytes, state_nonce: int) -> None:
        """Drops what can never be mined any more: nonces below the state nonce."""
        slots = self._by_sender.get(sender)
        if not slots:
            return
        for nonce in [nonce for nonce in slots if nonce < state_nonce]:
            del self._by_hash[slots.pop(nonce).hash]
        if not slots:
            del self._by_sender[sender]

    def drop(self, entry: PoolTx) -> None:
        """Removes one transaction that failed at execution, like geth evicts an invalid one."""
        slots = self._by_sender.get(entry.sender, {})
        if slots.get(entry.nonce) is entry:
            del slots[entry.nonce]
            del self._by_hash[entry.hash]
            if not slots:
                del self._by_sender[entry.sender]

    def senders(self) -> list[bytes]:
        return list(self._by_sender)

    def counts(self, state_nonce_of) -> tuple[int, int]:
        """(pending, queued), as geth's txpool_status counts them."""
        pending = sum(len(run) for run in self.executable(state_nonce_of))
        return pending, len(self) - pending


def _outbids(new: PoolTx, old: PoolTx) -> bool:
    """geth's rule: each fee field at least old * (100 + bump) / 100, rounded down."""
    def threshold(value: int) -> int:
        return value * (100 + PRICE_BUMP_PERCENT) // 100

    return new.fee_cap >= threshold(old.fee_cap) and new.tip_cap >= threshold(old.tip_cap)
