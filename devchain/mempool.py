"""The transaction pool in front of py-evm: geth's legacy pool, with its limits and evictions.

A transaction is *pending* when every nonce from its sender's state nonce up to its own is in
the pool (it can be mined now) and *queued* while a gap remains. The pool keeps each sender's
state nonce (the node tells it after every admission, block and reorg), so it can tell the
two apart without reading the chain.

Limits, as geth's legacypool applies them (`PoolLimits` defaults are geth's):
- A full pool (slots of all transactions above global_slots + global_queue; a slot is 32 KiB)
  takes a new transaction only if it pays more than the cheapest one, which is discarded;
  a gapped newcomer may not push out a pending transaction.
- A sender keeps at most account_queue queued transactions: the highest nonces go.
- Over global_slots pending, senders with more than account_slots pending lose their highest
  nonces, the largest first, until the total fits or none is above account_slots.
- Over global_queue queued, the senders heard from least recently lose their queued ones.
- A sender's queued transactions go once its heartbeat is older than `lifetime` (the
  heartbeat is when one of its transactions last became pending, or when its first queued one
  arrived).
Every transaction counts as remote (geth's locals are exempt; a node behind a provider has
none). Not thread-safe: the node guards it with its pool lock.
"""

import time
from dataclasses import dataclass, field

from serialize import fee_cap, tip_cap

# geth's default txpool.pricebump: a replacement must pay 10% more on every fee field.
PRICE_BUMP_PERCENT = 10
SLOT_SIZE = 32 * 1024


class TxRejected(Exception):
    """A transaction the node refuses; the text is geth's, returned as JSON-RPC -32000."""


@dataclass(frozen=True)
class PoolLimits:
    account_slots: int = 16
    global_slots: int = 4096 + 1024
    account_queue: int = 64
    global_queue: int = 1024
    lifetime: float = 3 * 3600.0    # seconds

    def __post_init__(self) -> None:
        if min(self.account_slots, self.global_slots, self.account_queue, self.global_queue) < 1 \
                or not self.lifetime > 0:
            raise ValueError("pool limits must be at least 1 and the lifetime above 0")


@dataclass(frozen=True)
class PoolTx:
    tx: object          # py-evm signed transaction
    sender: bytes
    arrival: int        # order of arrival, breaks fee ties like geth's time ordering
    size: int = 0       # encoded bytes

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

    @property
    def slots(self) -> int:
        return max(1, (self.size + SLOT_SIZE - 1) // SLOT_SIZE)

    def effective_tip(self, base_fee: int) -> int:
        return min(self.tip_cap, self.fee_cap - base_fee)

    def price(self, base_fee: int) -> tuple[int, int, int]:
        """geth's priced-list order: effective tip at the base fee, then fee cap, then tip."""
        return self.effective_tip(base_fee), self.fee_cap, self.tip_cap


@dataclass
class Eviction:
    """Transactions the pool let go of, by reason, for the node's log."""
    entries: list[tuple[PoolTx, str]] = field(default_factory=list)

    def add(self, entry: PoolTx, reason: str) -> None:
        self.entries.append((entry, reason))

    def log(self, logger) -> None:
        for entry, reason in self.entries:
            logger.info("evicted 0x%s: %s", entry.hash.hex(), reason)


class Mempool:
    def __init__(self, limits: PoolLimits = PoolLimits(), clock=time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._by_sender: dict[bytes, dict[int, PoolTx]] = {}
        self._by_hash: dict[bytes, PoolTx] = {}
        self._nonces: dict[bytes, int] = {}     # state nonce of each sender in the pool
        self._run_ends: dict[bytes, int] = {}   # each sender's pending nonce (end of its run)
        self._spent: dict[bytes, int] = {}      # the sum of each sender's pooled costs
        self._beats: dict[bytes, float] = {}
        self._slots = 0
        self._arrivals = 0

    def __len__(self) -> int:
        return len(self._by_hash)

    def get(self, tx_hash: bytes) -> PoolTx | None:
        return self._by_hash.get(tx_hash)

    # Admission ---------------------------------------------------------------------------

    def add(self, tx, sender: bytes, state_nonce: int, base_fee: int, size: int) -> tuple[PoolTx, Eviction]:
        """Adds or replaces by (sender, nonce), making room as geth does; raises TxRejected."""
        self._sync_nonce(sender, state_nonce)
        self._arrivals += 1
        entry = PoolTx(tx, sender, self._arrivals, size)
        existing = self._by_sender.get(sender, {}).get(entry.nonce)
        if existing is not None and not _outbids(entry, existing):
            raise TxRejected("replacement transaction underpriced")
        evicted = Eviction()
        gapped = entry.nonce > self.pending_nonce(sender, state_nonce)
        if existing is None and self._slots + entry.slots > self.limits.global_slots + self.limits.global_queue:
            for victim in self._make_room(entry, base_fee, gapped):
                self._remove(victim)
                evicted.add(victim, "pool full, cheapest")
        if existing is not None:
            self._remove(existing)
        self._sync_nonce(sender, state_nonce)   # removals may have emptied the sender
        self._insert(entry)
        if not gapped:
            self._beats[sender] = self._clock()     # a promotion: the sender is heard from
        self._track_beat(sender)
        # geth caps the queue after admission: a gapped newcomer beyond account_queue is
        # accepted (the caller gets its hash) and dropped at once.
        self._enforce([sender], evicted)
        return entry, evicted

    def _make_room(self, entry: PoolTx, base_fee: int, gapped: bool) -> list[PoolTx]:
        by_price = sorted(self._by_hash.values(), key=lambda e: (*e.price(base_fee), -e.nonce))
        if by_price and entry.price(base_fee) <= by_price[0].price(base_fee):
            raise TxRejected("transaction underpriced")
        needed = self._slots + entry.slots - (self.limits.global_slots + self.limits.global_queue)
        victims, freed = [], 0
        for victim in by_price:
            if freed >= needed:
                break
            victims.append(victim)
            freed += victim.slots
        if freed < needed:
            raise TxRejected("txpool is full")
        if gapped and any(self._is_pending(victim) for victim in victims):
            raise TxRejected("future transaction tries to replace pending")
        return victims

    # Queries -------------------------------------------------------------------------------

    def pending_nonce(self, sender: bytes, state_nonce: int) -> int:
        """The next nonce after the contiguous run starting at the state nonce."""
        if self._nonces.get(sender) == state_nonce:
            return self._run_ends[sender]
        return _run_end(self._by_sender.get(sender, {}), state_nonce)

    def split(self, sender: bytes) -> tuple[list[PoolTx], list[PoolTx]]:
        """(pending, queued) of one sender, each in nonce order."""
        slots = self._by_sender.get(sender, {})
        run_end = self._run_ends.get(sender, 0)
        pending, queued = [], []
        for nonce in sorted(slots):
            (pending if nonce < run_end else queued).append(slots[nonce])
        return pending, queued

    def executable(self) -> list[list[PoolTx]]:
        """Per sender, the contiguous run of transactions starting at its state nonce."""
        runs = []
        for sender, slots in self._by_sender.items():
            run = [slots[nonce] for nonce in range(self._nonces[sender], self._run_ends[sender])]
            if run:
                runs.append(run)
        return runs

    def counts(self) -> tuple[int, int]:
        """(pending, queued), as geth's txpool_status counts them."""
        pending = sum(len(run) for run in self.executable())
        return pending, len(self) - pending

    def senders(self) -> list[bytes]:
        return list(self._by_sender)

    def spent(self, sender: bytes) -> int:
        """What the sender's pooled transactions may cost in all (gas * fee cap + value)."""
        return self._spent.get(sender, 0)

    def cost_at(self, sender: bytes, nonce: int) -> int | None:
        entry = self._by_sender.get(sender, {}).get(nonce)
        return None if entry is None else entry.cost

    def entries(self) -> list[PoolTx]:
        """Every pooled transaction in arrival order."""
        return sorted(self._by_hash.values(), key=lambda entry: entry.arrival)

    # Chain events --------------------------------------------------------------------------

    def set_state_nonce(self, sender: bytes, state_nonce: int) -> list[PoolTx]:
        """A block or reorg moved the sender's nonce: drops what can never be mined any more."""
        slots = self._by_sender.get(sender)
        if not slots:
            return []
        stale = [slots[nonce] for nonce in sorted(slots) if nonce < state_nonce]
        for entry in stale:
            self._remove(entry)
        if sender in self._by_sender:
            self._sync_nonce(sender, state_nonce)
            self._track_beat(sender)
        return stale

    def enforce_limits(self) -> Eviction:
        """Applies every limit to every sender, as after a reorg re-injected transactions."""
        evicted = Eviction()
        self._enforce(self.senders(), evicted)
        return evicted

    # Removal -------------------------------------------------------------------------------

    def drop(self, entry: PoolTx) -> None:
        """Removes one transaction if it is still pooled (it failed at execution, or a command)."""
        if self._by_hash.get(entry.hash) is entry:
            self._remove(entry)

    def remove(self, tx_hash: bytes) -> PoolTx | None:
        entry = self._by_hash.get(tx_hash)
        if entry is not None:
            self._remove(entry)
        return entry

    def clear(self) -> int:
        """Forgets everything, as a node restarted without its journal."""
        count = len(self._by_hash)
        self.__init__(self.limits, self._clock)
        return count

    def evict_expired(self) -> list[PoolTx]:
        """Drops the queued transactions of senders silent for longer than the lifetime."""
        now = self._clock()
        evicted = []
        for sender in list(self._by_sender):
            _, queued = self.split(sender)
            if not queued:
                self._beats.pop(sender, None)
            elif now - self._beats.get(sender, now) > self.limits.lifetime:
                for entry in queued:
                    self._remove(entry)
                evicted.extend(queued)
                self._beats.pop(sender, None)
        return evicted

    def evict_random(self, rng, probability: float) -> list[PoolTx]:
        """Drops each pooled transaction with `probability` (chaos runs), in arrival order."""
        if probability <= 0:
            return []
        victims = [entry for entry in self.entries() if rng.random() < probability]
        for entry in victims:
            self._remove(entry)
        return victims

    # Internals -----------------------------------------------------------------------------

    def _sync_nonce(self, sender: bytes, state_nonce: int) -> None:
        if self._nonces.get(sender) != state_nonce or sender not in self._run_ends:
            self._nonces[sender] = state_nonce
            self._run_ends[sender] = _run_end(self._by_sender.get(sender, {}), state_nonce)

    def _insert(self, entry: PoolTx) -> None:
        """Needs the sender's state nonce synced first."""
        slots = self._by_sender.setdefault(entry.sender, {})
        slots[entry.nonce] = entry
        self._by_hash[entry.hash] = entry
        self._slots += entry.slots
        self._spent[entry.sender] = self._spent.get(entry.sender, 0) + entry.cost
        if entry.nonce == self._run_ends[entry.sender]:
            self._run_ends[entry.sender] = _run_end(slots, entry.nonce)

    def _remove(self, entry: PoolTx) -> None:
        sender = entry.sender
        slots = self._by_sender[sender]
        del slots[entry.nonce]
        del self._by_hash[entry.hash]
        self._slots -= entry.slots
        self._spent[sender] -= entry.cost
        if not slots:
            del self._by_sender[sender]
            for index in (self._nonces, self._run_ends, self._beats, self._spent):
                index.pop(sender, None)
        else:
            if self._nonces[sender] <= entry.nonce < self._run_ends[sender]:
                self._run_ends[sender] = entry.nonce
            self._track_beat(sender)

    def _track_beat(self, sender: bytes) -> None:
        """geth keeps a heartbeat only for senders with queued transactions; it starts when
        the first one is queued (by arrival, or by a removal below it)."""
        if self._has_queued(sender):
            self._beats.setdefault(sender, self._clock())
        else:
            self._beats.pop(sender, None)

    def _run_length(self, sender: bytes) -> int:
        """How many of the sender's transactions are pending."""
        return self._run_ends.get(sender, 0) - self._nonces.get(sender, 0)

    def _queued_count(self, sender: bytes) -> int:
        return len(self._by_sender.get(sender, {})) - self._run_length(sender)

    def _is_pending(self, entry: PoolTx) -> bool:
        return entry.nonce < self._nonces.get(entry.sender, 0) + self._run_length(entry.sender)

    def _has_queued(self, sender: bytes) -> bool:
        return self._queued_count(sender) > 0

    def _enforce(self, senders: list[bytes], evicted: Eviction) -> None:
        for sender in senders:
            if self._queued_count(sender) > self.limits.account_queue:
                _, queued = self.split(sender)
                for entry in queued[self.limits.account_queue:][::-1]:
                    self._remove(entry)
                    evicted.add(entry, "account queue full")
        # Cheap bounds first: each total is at most the pool's size.
        if len(self._by_hash) > self.limits.global_slots:
            self._truncate_pending(evicted)
        if len(self._by_hash) > self.limits.global_queue and \
                sum(self._queued_count(sender) for sender in self._by_sender) > self.limits.global_queue:
            self._truncate_queue(evicted)

    def _truncate_pending(self, evicted: Eviction) -> None:
        """geth's fairness rule: shave the senders with the most pending, highest nonce first,
        until the total fits or every offender is down to account_slots."""
        pending = {sender: self.split(sender)[0] for sender in self._by_sender}
        total = sum(len(run) for run in pending.values())
        while total > self.limits.global_slots:
            sender, run = max(pending.items(), key=lambda item: len(item[1]))
            if len(run) <= self.limits.account_slots:
                return
            entry = run.pop()
            self._remove(entry)
            evicted.add(entry, "global pending full")
            total -= 1

    def _truncate_queue(self, evicted: Eviction) -> None:
        """geth: over global_queue, the least recently heard-from senders lose their queued
        transactions, all of them or the highest nonces."""
        queued = {sender: self.split(sender)[1] for sender in self._by_sender}
        excess = sum(len(entries) for entries in queued.values()) - self.limits.global_queue
        for sender in sorted((s for s in queued if queued[s]), key=lambda s: self._beats.get(s, 0.0)):
            if excess <= 0:
                return
            for entry in queued[sender][::-1][:excess]:
                self._remove(entry)
                evicted.add(entry, "global queue full")
                excess -= 1


def _run_end(slots: dict[int, PoolTx], nonce: int) -> int:
    while nonce in slots:
        nonce += 1
    return nonce


def _outbids(new: PoolTx, old: PoolTx) -> bool:
    """geth's rule: each fee field at least old * (100 + bump) / 100, rounded down."""
    def threshold(value: int) -> int:
        return value * (100 + PRICE_BUMP_PERCENT) // 100

    return new.fee_cap >= threshold(old.fee_cap) and new.tip_cap >= threshold(old.tip_cap)
