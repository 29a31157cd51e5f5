"""Transactions leave the node's pool as they leave geth's: limits, lifetime, commands, chance."""

import time

from eth_account import Account

from conftest import DEV_KEYS, GWEI, RPCFailure, transfer, tx_hash

KEY = DEV_KEYS[0]
ADDRESS = Account.from_key(KEY).address


def pooled(client, signed) -> bool:
    found = client("eth_getTransactionByHash", tx_hash(signed))
    assert found is None or found["blockNumber"] is None
    return found is not None


def queued_nonces(client, address: str = ADDRESS) -> list[int]:
    return sorted(int(n) for n in client("txpool_content")["queued"].get(address, {}))


def test_account_queue_limit_drops_the_highest_gapped_nonce(start_node):
    _, client = start_node("--pool-account-queue", "2")
    gapped = [transfer(KEY, nonce) for nonce in (3, 4, 5)]
    hashes = [client.send(signed) for signed in gapped]       # all three are accepted...
    assert hashes == [tx_hash(signed) for signed in gapped]
    assert [pooled(client, signed) for signed in gapped] == [True, True, False]   # ...one is capped
    assert queued_nonces(client) == [3, 4]
    assert client("txpool_status") == {"pending": "0x0", "queued": "0x2"}


def test_queued_transactions_expire_but_pending_ones_stay(start_node):
    _, client = start_node("--pool-lifetime", "1")
    pending, gapped = transfer(KEY, 0), transfer(KEY, 2)
    client.send(pending)
    client.send(gapped)
    deadline = time.monotonic() + 20
    while pooled(client, gapped) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pooled(client, gapped) and pooled(client, pending)
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x1"
    client.send(gapped)                                         # a lost one can be sent again
    assert pooled(client, gapped)


def test_a_full_pool_takes_a_better_transaction_in_place_of_the_cheapest(start_node):
    _, client = start_node("--pool-global-slots", "2", "--pool-global-queue", "1")
    cheapest = transfer(DEV_KEYS[0], 0, tip=1 * GWEI)
    for signed in (cheapest, transfer(DEV_KEYS[1], 0, tip=2 * GWEI), transfer(DEV_KEYS[2], 0, tip=3 * GWEI)):
        client.send(signed)
    try:
        client.send(transfer(DEV_KEYS[3], 0, tip=1 * GWEI))
        raise AssertionError("a cheap transaction entered a full pool")
    except RPCFailure as failure:
        assert (failure.code, failure.message) == (-32000, "transaction underpriced")
    better = transfer(DEV_KEYS[3], 0, tip=10 * GWEI)
    client.send(better)
    assert pooled(client, better) and not pooled(client, cheapest)
    assert client("txpool_status")["pending"] == "0x3"


def test_dev_drop_transaction_evicts_one_and_queues_the_later_nonces(start_node):
    _, client = start_node()
    signed = [transfer(KEY, nonce) for nonce in range(3)]
    for tx in signed:
        client.send(tx)
    assert client("dev_dropTransaction", tx_hash(signed[1])) is True
    assert client("dev_dropTransaction", tx_hash(signed[1])) is False
    assert not pooled(client, signed[1]) and queued_nonces(client) == [2]
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x1"
    mined = client("dev_mine")
    assert mined[0]["transactions"] == "0x1"                 # nonce 2 waits behind the gap
    client.send(signed[1])                                   # re-sent with the same bytes
    client("dev_mine")
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x3"
    assert client.raw("dev_dropTransaction", "0x1234")["error"]["code"] == -32602


def test_random_eviction_is_seeded_and_happens_after_blocks(start_node):
    def evicted_nonces(seed: str) -> list[int]:
        _, client = start_node("--seed", seed, "--evict-probability", "0.5")
        for nonce in range(1, 31):                  # queued behind nonce 0: never mined
            client.send(transfer(KEY, nonce))
        assert len(queued_nonces(client)) == 30     # nothing goes before a block
        client("dev_mine")
        return sorted(set(range(1, 31)) - set(queued_nonces(client)))

    first, again = evicted_nonces("11"), evicted_nonces("11")
    assert first == again and 3 <= len(first) <= 27
    assert evicted_nonces("12") != first


def test_transactions_of_the_pool_show_as_pending_with_null_block(start_node):
    _, client = start_node()
    signed = transfer(KEY, 0)
    client.send(signed)
    found = client("eth_getTransactionByHash", tx_hash(signed))
    assert (found["blockHash"], found["blockNumber"], found["transactionIndex"]) == (None, None, None)
    assert found["hash"] == tx_hash(signed) and found["nonce"] == "0x0"
    content = client("txpool_content")
    assert content["pending"][ADDRESS]["0"]["hash"] == tx_hash(signed) and content["queued"] == {}
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x0"
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x1"
