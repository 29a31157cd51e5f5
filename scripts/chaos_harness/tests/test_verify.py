"""verify.judge against chains these tests write themselves: each situation of issue 7's
checks is made on a real node with signed transactions, read back by chain_view.read_chain,
and the verdict is checked both ways (the right answer passes, each wrong one is caught)."""

import copy

import pytest
from conftest import GWEI, answered, unanswered

from chaos_harness.chain_view import read_chain
from chaos_harness.rpc import RPCError
from chaos_harness.senders import CONTRACT
from chaos_harness.verify import judge


def verdict_of(chain, posted, views, senders, confirmations=3):
    state = read_chain(chain.rpc, [s.address for s in senders])
    return judge(posted, views, state, [s.address for s in senders], CONTRACT, confirmations)


def checks(verdict) -> list[str]:
    return sorted({p.check for p in verdict.problems})


def test_a_request_mined_once_agrees_and_every_wrong_answer_is_caught(chain, senders):
    alice = senders[0]
    request = answered(0, alice, 1)
    tx_hash = chain.request(alice, 0, 1)
    chain.mine(4)   # mined in block 1; the head (4) makes it 4 deep
    right = chain.view("confirmed", tx_hash, 0)

    verdict = verdict_of(chain, [request], {request.id: right}, senders)
    assert verdict.ok, verdict.problems
    assert (verdict.answered, verdict.mined_once, verdict.confirmed_agreeing) == (1, 1, 1)
    assert (verdict.mined_twice, verdict.nonce_gaps, verdict.left_in_pool, verdict.mined_of_senders) == (0, 0, 0, 1)

    def changed(**fields):
        view = copy.deepcopy(right)
        for key, value in fields.items():
            if key.startswith("receipt_"):
                view["receipt"][key.removeprefix("receipt_")] = value
            else:
                view[key] = value
        return view

    wrong = {
        "reverted, though the receipt says success": (changed(status="reverted"), "disagreement"),
        "another block": (changed(receipt_block=2), "disagreement"),
        "another block hash": (changed(receipt_block_hash="0x" + "11" * 32), "disagreement"),
        "another hash": (changed(receipt_hash="0x" + "22" * 32), "disagreement"),
        "no receipt": (changed(receipt=None), "disagreement"),
        "another nonce": (changed(nonce=1), "disagreement"),
        "the mined hash is no version": (changed(versions=[{"hash": "0x" + "33" * 32}]), "disagreement"),
        "failed while mined": (changed(status="failed"), "failed but mined"),
        "a status from before issue 7": (changed(status="broadcast"), "disagreement"),
        "still submitted": (changed(status="submitted"), "not final"),
        "404 at the end": (None, "not stored"),
    }
    for what, (view, check) in wrong.items():
        verdict = verdict_of(chain, [request], {request.id: view}, senders)
        assert not verdict.ok and check in checks(verdict), what
    never_answered = verdict_of(chain, [request], {}, senders)
    assert checks(never_answered) == ["not stored"]
    too_shallow = verdict_of(chain, [request], {request.id: right}, senders, confirmations=5)
    assert checks(too_shallow) == ["disagreement"]
    assert "confirmations deep" in too_shallow.problems[0].reason


def test_one_calldata_mined_at_two_nonces_is_caught_for_answered_and_unanswered_requests(chain, senders):
    alice = senders[0]
    promised, lost = answered(0, alice, 1), unanswered(1, alice, 2)
    first = chain.request(alice, 0, 1)
    second = chain.request(alice, 1, 1)     # the same request signed again at the next nonce
    chain.request(alice, 2, 2)
    chain.request(alice, 3, 2)              # and the unanswered one twice too
    chain.mine(4)

    verdict = verdict_of(chain, [promised, lost], {promised.id: chain.view("confirmed", first, 0)}, senders)
    assert verdict.mined_twice == 2
    assert verdict.disagreements == 0       # counted once, as mined twice
    assert verdict.unanswered_landed == 1
    assert checks(verdict) == ["mined twice"]
    details = " ".join(p.detail for p in verdict.problems)
    assert first in details and second in details


def test_a_nonce_gap_is_caught_and_filling_it_with_a_cancellation_clears_it(chain, senders):
    alice = senders[0]
    before, after = answered(0, alice, 1), answered(1, alice, 2)
    first = chain.request(alice, 0, 1)
    stuck = chain.request(alice, 2, 2)      # nonce 1 never sent: this one queues behind the gap
    chain.mine(4)
    assert chain.receipt(stuck) is None

    views = {before.id: chain.view("confirmed", first, 0), after.id: chain.view("submitted", stuck, 2)}
    verdict = verdict_of(chain, [before, after], views, senders)
    assert verdict.nonce_gaps == 2          # nonces 1 and 2 unused on chain, 2 held by a request
    assert verdict.left_in_pool == 1
    assert verdict.not_final == 1
    assert checks(verdict) == ["left in pool", "nonce gap", "not final"]
    assert "nonces [2]" in next(p.detail for p in verdict.problems if p.check == "left in pool")

    chain.cancel(alice, 1)
    chain.mine(4)
    views[after.id] = chain.view("confirmed", stuck, 2)
    verdict = verdict_of(chain, [before, after], views, senders)
    assert verdict.ok, verdict.problems
    assert (verdict.confirmed_agreeing, verdict.cancellations, verdict.mined_of_senders) == (2, 1, 3)


def test_failed_holds_only_when_its_nonce_is_taken_by_something_else(chain, senders):
    alice, bob = senders
    chain.rpc.call("dev_setBaseFee", hex(10 * GWEI))
    doomed = chain.sign(alice, 0, data=alice.calldata(1), max_fee=5 * GWEI, tip=GWEI)
    chain.send(doomed)                      # its fee cap is below the base fee: it waits
    chain.mine(1)
    doomed_hash = "0x" + bytes(doomed.hash).hex()
    assert chain.receipt(doomed_hash) is None
    chain.cancel(alice, 0, max_fee=20 * GWEI, tip=2 * GWEI)   # replaces it: +10% on both fees
    other = chain.request(bob, 0, 3, max_fee=20 * GWEI)       # bob's nonce 0 carries another request
    chain.mine(4)
    assert chain.rpc.call("eth_getTransactionByHash", doomed_hash) is None
    with pytest.raises(RPCError, match="nonce too low"):
        chain.send(doomed)                  # the cancelled version can never land now

    cancelled, displaced, unsigned = answered(0, alice, 1), answered(1, bob, 2), answered(2, bob, 4)
    mined = answered(3, bob, 3)
    views = {cancelled.id: chain.view("failed", doomed_hash, 0),
             displaced.id: chain.view("failed", None, 0),        # its nonce went to `mined`
             unsigned.id: chain.view("failed", None, None),      # refused before a nonce
             mined.id: chain.view("confirmed", other, 0)}
    verdict = verdict_of(chain, [cancelled, displaced, unsigned, mined], views, senders)
    assert verdict.ok, verdict.problems
    assert (verdict.failed_never_mined, verdict.cancellations, verdict.confirmed_agreeing) == (3, 1, 1)

    open_nonce = answered(4, alice, 5)      # failed at a nonce nothing on chain uses
    views[open_nonce.id] = chain.view("failed", None, 1)
    verdict = verdict_of(chain, [cancelled, mined, open_nonce], views, senders)
    assert checks(verdict) == ["failed but open", "nonce gap"]
    assert verdict.failed_wrongly == 1 and verdict.failed_never_mined == 1


def test_a_reorg_that_drops_a_confirmed_transaction_is_a_disagreement(chain, senders):
    alice = senders[0]
    request = answered(0, alice, 1)
    tx_hash = chain.request(alice, 0, 1)
    chain.mine(4)
    view = chain.view("confirmed", tx_hash, 0)
    assert verdict_of(chain, [request], {request.id: view}, senders).ok

    chain.rpc.call("dev_reorg", {"depth": 4, "dropTransactions": True})
    assert chain.rpc.call("eth_getTransactionByHash", tx_hash) is None
    verdict = verdict_of(chain, [request], {request.id: view}, senders)
    assert checks(verdict) == ["disagreement", "nonce gap"]   # and nonce 0, which it holds, is unused
    assert "no mined transaction carries its calldata" in verdict.problems[0].reason
    assert verdict.mined_once == 0


def test_a_reorg_that_mines_it_again_elsewhere_shows_a_stale_receipt(chain, senders):
    alice = senders[0]
    request = answered(0, alice, 1)
    tx_hash = chain.request(alice, 0, 1)
    chain.mine(4)
    stale = chain.view("confirmed", tx_hash, 0)
    chain.rpc.call("dev_reorg", {"depth": 4})   # back to the pool, mined again by the next block
    chain.mine(4)
    fresh = chain.view("confirmed", tx_hash, 0)
    assert fresh["receipt"]["block"] != stale["receipt"]["block"]

    verdict = verdict_of(chain, [request], {request.id: stale}, senders)
    assert checks(verdict) == ["disagreement"]
    assert f"API receipt block {stale['receipt']['block']}, mined in {fresh['receipt']['block']}" \
        in verdict.problems[0].reason
    assert verdict_of(chain, [request], {request.id: fresh}, senders).ok


def test_a_transaction_of_a_sender_that_nobody_requested_is_foreign(chain, senders):
    alice = senders[0]
    chain.send(chain.sign(alice, 0, data="0xdeadbeef"))
    chain.send(chain.sign(alice, 1, to=senders[1].address, value=1, gas=21_000))   # a payment, not a cancellation
    chain.mine(4)
    verdict = verdict_of(chain, [], {}, senders)
    assert verdict.foreign == 2 and checks(verdict) == ["foreign"]


def test_the_scan_reads_every_block_and_the_counts_at_its_head(chain, senders):
    alice, bob = senders
    for nonce in range(30):
        chain.request(alice, nonce, 100 + nonce)
        chain.request(bob, nonce, 200 + nonce)
        if nonce % 7 == 0:
            chain.mine(1)
    chain.mine(60)                          # more blocks than one batch of the scan
    state = read_chain(chain.rpc, [alice.address, bob.address])
    assert state.head == 65
    assert state.latest_count == {alice.address.lower(): 30, bob.address.lower(): 30}
    assert len(state.mined) == 60 and all(tx.succeeded for tx in state.mined)
    assert sorted(tx.nonce for tx in state.transactions_of(alice.address)) == list(range(30))
    assert len(state.by_calldata[alice.calldata(129)]) == 1
