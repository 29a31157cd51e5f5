"""The pool as a value: geth's limits and evictions, with an injected clock."""

import random

import pytest
from eth.vm.forks import PragueVM
from eth_account import Account

from conftest import DEV_KEYS, GWEI, transfer
from mempool import Mempool, PoolLimits, TxRejected

BUILDER = PragueVM.get_transaction_builder()
BASE_FEE = GWEI
KEYS = DEV_KEYS[:4]
SENDERS = [bytes.fromhex(Account.from_key(key).address[2:]) for key in KEYS]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signed(sender_index: int, nonce: int, tip: int = GWEI, max_fee: int = 100 * GWEI):
    raw = bytes(transfer(KEYS[sender_index], nonce, tip=tip, max_fee=max_fee).raw_transaction)
    return BUILDER.decode(raw), len(raw)


def add(pool: Mempool, sender_index: int, nonce: int, state_nonce: int = 0, **fees):
    tx, size = signed(sender_index, nonce, **fees)
    entry, evicted = pool.add(tx, SENDERS[sender_index], state_nonce, BASE_FEE, size)
    return entry, [victim.hash for victim, _ in evicted.entries]


def pooled_nonces(pool: Mempool, sender_index: int) -> tuple[list[int], list[int]]:
    pending, queued = pool.split(SENDERS[sender_index])
    return [e.nonce for e in pending], [e.nonce for e in queued]


def limits(**changes) -> PoolLimits:
    return PoolLimits(**{**dict(account_slots=16, global_slots=5120, account_queue=64,
                                global_queue=1024, lifetime=3600.0), **changes})


def test_pending_and_queued_follow_the_state_nonce():
    pool = Mempool()
    for nonce in (0, 1, 3):
        add(pool, 0, nonce)
    assert pooled_nonces(pool, 0) == ([0, 1], [3])
    assert pool.pending_nonce(SENDERS[0], 0) == 2
    add(pool, 0, 2)
    assert pooled_nonces(pool, 0) == ([0, 1, 2, 3], [])
    assert pool.set_state_nonce(SENDERS[0], 2)[0].nonce == 0
    assert pooled_nonces(pool, 0) == ([2, 3], [])
    assert pool.counts() == (2, 0)


def test_removing_a_pending_transaction_queues_the_later_ones():
    pool = Mempool()
    entries = [add(pool, 0, nonce)[0] for nonce in range(4)]
    assert pool.remove(entries[1].hash) is entries[1]
    assert pooled_nonces(pool, 0) == ([0], [2, 3])
    assert pool.remove(entries[1].hash) is None
    assert [run[-1].nonce for run in pool.executable()] == [0]


def test_replacement_needs_ten_percent_more_and_keeps_one_slot():
    pool = Mempool()
    first, _ = add(pool, 0, 0, tip=10 * GWEI, max_fee=100 * GWEI)
    with pytest.raises(TxRejected, match="replacement transaction underpriced"):
        add(pool, 0, 0, tip=10 * GWEI, max_fee=200 * GWEI)
    second, _ = add(pool, 0, 0, tip=11 * GWEI, max_fee=110 * GWEI)
    assert pool.get(first.hash) is None and pool.get(second.hash) is second and len(pool) == 1


def test_account_queue_keeps_the_lowest_gapped_nonces():
    pool = Mempool(limits(account_queue=2))
    add(pool, 0, 0)
    kept = [add(pool, 0, nonce)[0] for nonce in (5, 3)]
    highest, evicted = add(pool, 0, 9)
    assert evicted == [highest.hash]                        # accepted, then capped at once
    _, evicted = add(pool, 0, 2)
    assert evicted == [kept[0].hash]                        # nonce 5 is now the highest queued
    assert pooled_nonces(pool, 0) == ([0], [2, 3])


def test_over_global_pending_the_largest_senders_are_shaved_to_account_slots():
    pool = Mempool(limits(account_slots=2, global_slots=6))
    for nonce in range(5):
        add(pool, 0, nonce)
    for nonce in range(2):
        add(pool, 1, nonce)
    for nonce in range(3):
        add(pool, 2, nonce)
    # 10 pending, 6 allowed: sender 0 (5) loses 3, sender 2 (3) loses 1, sender 1 keeps its 2.
    assert [len(pooled_nonces(pool, i)[0]) for i in range(3)] == [2, 2, 2]
    assert pooled_nonces(pool, 0) == ([0, 1], [])


def test_shaving_stops_at_account_slots_even_over_the_global_limit():
    pool = Mempool(limits(account_slots=3, global_slots=4))
    for sender in range(3):
        for nonce in range(3):
            add(pool, sender, nonce)
    assert pool.counts() == (9, 0)


def test_over_global_queue_the_least_recently_heard_sender_goes_first():
    clock = Clock()
    pool = Mempool(limits(global_queue=3), clock)
    add(pool, 0, 5)
    clock.now += 10
    add(pool, 1, 5)
    add(pool, 1, 6)
    clock.now += 10
    _, evicted = add(pool, 2, 5)
    assert pooled_nonces(pool, 0) == ([], []) and len(evicted) == 1
    clock.now += 10
    add(pool, 2, 6)
    # Sender 1 is now the quietest: it loses its highest queued nonce.
    assert pooled_nonces(pool, 1) == ([], [5]) and pooled_nonces(pool, 2) == ([], [5, 6])


def test_a_full_pool_discards_the_cheapest_for_a_better_newcomer():
    pool = Mempool(limits(global_slots=2, global_queue=1))
    cheap, _ = add(pool, 0, 0, tip=1 * GWEI)
    add(pool, 1, 0, tip=2 * GWEI)
    add(pool, 2, 0, tip=3 * GWEI)
    with pytest.raises(TxRejected, match="^transaction underpriced$"):
        add(pool, 3, 0, tip=1 * GWEI)
    better, evicted = add(pool, 3, 0, tip=5 * GWEI)
    assert evicted == [cheap.hash] and pool.get(better.hash) is better and len(pool) == 3


def test_the_cheapest_is_judged_at_the_base_fee():
    pool = Mempool(limits(global_slots=1, global_queue=1))
    # A 9 gwei tip under a 2 gwei cap pays only 1 gwei above the 1 gwei base fee.
    capped, _ = add(pool, 0, 0, tip=9 * GWEI, max_fee=2 * GWEI)
    add(pool, 1, 0, tip=2 * GWEI, max_fee=100 * GWEI)
    _, evicted = add(pool, 2, 0, tip=3 * GWEI)
    assert evicted == [capped.hash]


def test_a_gapped_newcomer_may_not_push_out_a_pending_transaction():
    pool = Mempool(limits(global_slots=1, global_queue=1))
    add(pool, 0, 0, tip=1 * GWEI)
    add(pool, 1, 0, tip=2 * GWEI)
    with pytest.raises(TxRejected, match="future transaction tries to replace pending"):
        add(pool, 2, 7, tip=50 * GWEI)
    assert len(pool) == 2
    add(pool, 2, 0, tip=50 * GWEI)        # the same fees without a gap are welcome
    assert len(pool) == 2


def test_queued_transactions_expire_after_the_lifetime_of_a_silent_sender():
    clock = Clock()
    pool = Mempool(limits(lifetime=60.0), clock)
    add(pool, 0, 0)
    add(pool, 0, 2)
    add(pool, 1, 4)
    clock.now += 50
    assert pool.evict_expired() == []
    add(pool, 0, 1)                       # fills the gap: sender 0 is heard from, all pending
    clock.now += 20
    expired = pool.evict_expired()
    assert [(e.sender, e.nonce) for e in expired] == [(SENDERS[1], 4)]
    assert pooled_nonces(pool, 0) == ([0, 1, 2], [])


def test_a_queued_run_left_by_a_removal_gets_a_full_lifetime():
    clock = Clock()
    pool = Mempool(limits(lifetime=60.0), clock)
    first = add(pool, 0, 0)[0]
    add(pool, 0, 1)
    clock.now += 100
    pool.remove(first.hash)
    assert pool.evict_expired() == []     # the clock starts when nonce 1 becomes queued
    clock.now += 61
    assert [e.nonce for e in pool.evict_expired()] == [1]


def test_random_eviction_is_seeded():
    def survivors(seed: int) -> list[int]:
        pool = Mempool()
        for nonce in range(40):
            add(pool, 0, nonce)
        pool.evict_random(random.Random(seed), 0.5)
        return [e.nonce for e in pool.entries()]

    assert survivors(7) == survivors(7) != survivors(8)
    assert 5 <= len(survivors(7)) <= 35


def test_clear_forgets_everything():
    pool = Mempool()
    add(pool, 0, 0)
    add(pool, 1, 3)
    assert pool.clear() == 2 and len(pool) == 0 and pool.counts() == (0, 0)
    add(pool, 0, 0)
    assert pool.counts() == (1, 0)


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        PoolLimits(account_queue=0)
    with pytest.raises(ValueError):
        PoolLimits(lifetime=0)
