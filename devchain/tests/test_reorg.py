"""Reorgs on command and at random: receipts vanish, hashes change, transactions return to
the pool (or vanish), and the chain stays one linked chain."""

import time

from eth_account import Account

from conftest import DEV_KEYS, transfer, tx_hash

KEY = DEV_KEYS[0]
ADDRESS = Account.from_key(KEY).address
RECIPIENT = "0x" + "33" * 20


def mine_one(client, signed) -> dict:
    client.send(signed)
    (block,) = client("dev_mine")
    assert block["transactions"] == "0x1"
    return client("eth_getTransactionReceipt", tx_hash(signed))


def assert_linked(client, unsettled: int = 0) -> int:
    """Every canonical block's parent is the canonical block below, up to the head less the
    `unsettled` blocks a running chain may still replace; returns the head number."""
    head = int(client("eth_blockNumber"), 16)
    parent = client("eth_getBlockByNumber", "0x0", False)
    for number in range(1, head - unsettled + 1):
        block = client("eth_getBlockByNumber", hex(number), False)
        assert block["parentHash"] == parent["hash"], number
        assert client("eth_getBlockByHash", block["hash"], False)["number"] == hex(number)
        parent = block
    if unsettled == 0:
        assert client("eth_getBlockByNumber", hex(head + 1), False) is None
    return head


def test_a_reorg_takes_the_receipt_away_and_puts_the_transaction_back_in_the_pool(start_node):
    _, client = start_node()
    first = mine_one(client, transfer(KEY, 0, to=RECIPIENT))
    second_tx = transfer(KEY, 1, to=RECIPIENT)
    second = mine_one(client, second_tx)
    old_block = client("eth_getBlockByNumber", second["blockNumber"], False)
    assert client("eth_getBalance", RECIPIENT, "latest") == "0x2"

    result = client("dev_reorg", 1)

    assert result["oldHead"] == {"number": "0x2", "hash": old_block["hash"]}
    assert result["newHead"]["number"] == "0x3"
    assert result["reinjected"] == [tx_hash(second_tx)] and result["forgotten"] == []
    assert client("eth_getTransactionReceipt", tx_hash(second_tx)) is None
    assert client("eth_getTransactionByHash", tx_hash(second_tx))["blockNumber"] is None
    assert client("eth_getTransactionReceipt", first["transactionHash"]) == first
    replaced = client("eth_getBlockByNumber", "0x2", False)
    assert replaced["hash"] != old_block["hash"] and replaced["transactions"] == []
    assert client("eth_getBlockReceipts", "0x2") == []
    assert client("eth_getBlockByNumber", "latest", False)["hash"] == result["newHead"]["hash"]
    # geth still serves a reorganised-away block by its hash.
    assert client("eth_getBlockByHash", old_block["hash"], False)["transactions"] == [tx_hash(second_tx)]
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x1"
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x2"
    assert client("eth_getBalance", RECIPIENT, "latest") == "0x1"
    assert client("eth_getBalance", RECIPIENT, "0x2") == "0x1"

    (again,) = client("dev_mine")
    receipt = client("eth_getTransactionReceipt", tx_hash(second_tx))
    assert (receipt["blockNumber"], receipt["blockHash"]) == ("0x4", again["hash"])
    assert client("eth_getBlockReceipts", "0x4") == [receipt]
    assert client("eth_getBalance", RECIPIENT, "latest") == "0x2"
    assert assert_linked(client) == 4


def test_a_reorg_can_forget_the_transactions_so_they_must_be_sent_again(start_node):
    _, client = start_node()
    signed = [transfer(KEY, nonce) for nonce in range(3)]
    for tx in signed:
        mine_one(client, tx)
    later = transfer(KEY, 3)
    client.send(later)                                        # pending on top of nonce 2

    result = client("dev_reorg", {"depth": 2, "dropTransactions": True})

    assert result["forgotten"] == [tx_hash(tx) for tx in signed[1:]] and result["reinjected"] == []
    for tx in signed[1:]:
        assert client("eth_getTransactionByHash", tx_hash(tx)) is None
        assert client("eth_getTransactionReceipt", tx_hash(tx)) is None
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x1"
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x1"   # nonce 3 waits
    assert list(client("txpool_content")["queued"][ADDRESS]) == ["3"]
    for tx in signed[1:]:
        client.send(tx)                                       # the same bytes are welcome again
    (block,) = client("dev_mine")
    assert block["transactions"] == "0x3"
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x4"


def test_a_reorg_to_an_equal_or_shorter_chain_moves_latest_back(start_node):
    _, client = start_node()
    client("dev_mine", 5)
    before = [client("eth_getBlockByNumber", hex(n), False)["hash"] for n in range(6)]

    equal = client("dev_reorg", {"depth": 2, "blocks": 2})
    assert equal["newHead"]["number"] == "0x5" and equal["newHead"]["hash"] != before[5]
    assert client("eth_getBlockByNumber", "0x3", False)["hash"] == before[3]
    assert client("eth_getBlockByNumber", "0x4", False)["hash"] != before[4]

    shorter = client("dev_reorg", {"depth": 3, "blocks": 1})
    assert shorter["newHead"]["number"] == "0x3"
    assert client("eth_blockNumber") == "0x3"
    assert client("eth_getBlockByNumber", "0x4", False) is None
    assert client("eth_getBlockByNumber", "0x2", False)["hash"] == before[2]
    history = client("eth_feeHistory", "0x10", "latest", [50])
    assert history["oldestBlock"] == "0x0" and len(history["gasUsedRatio"]) == 4
    client("dev_mine", 2)
    assert assert_linked(client) == 5


def test_reorg_arguments_are_checked(start_node):
    _, client = start_node()
    client("dev_mine", 2)
    for params in ([0], [3], [{"depth": 1, "blocks": 0}], [{"depth": 1, "deep": True}],
                   [{"blocks": 2}], [{"depth": 1, "dropTransactions": "yes"}], ["one"], []):
        error = client.raw("dev_reorg", *params)["error"]
        assert error["code"] == -32602, (params, error)
    assert client("eth_blockNumber") == "0x2"


def test_automatic_reorgs_lose_nothing_a_tracker_resends(start_node):
    """A small tracker: re-send whatever is neither mined nor pooled, until every transfer has
    a receipt deeper than a reorg reaches. Reorgs happen every 3 blocks and forget half of the
    replaced transactions."""
    process, client = start_node("--block-time", "0.05", "--seed", "5", "--reorg-every", "3",
                                 "--reorg-depth", "2", "--reorg-drop-probability", "0.5")
    signed = [transfer(KEY, nonce, to=RECIPIENT) for nonce in range(12)]
    seen_hashes: dict[str, str] = {}
    resent = 0
    deadline = time.monotonic() + 60
    for tx in signed:
        client.send(tx)
    while time.monotonic() < deadline:
        receipts = [client("eth_getTransactionReceipt", tx_hash(tx)) for tx in signed]
        for receipt in receipts:
            if receipt is not None:
                seen_hashes.setdefault(receipt["blockNumber"], receipt["blockHash"])
        head = int(client("eth_blockNumber"), 16)
        settled = all(receipts) and max(int(r["blockNumber"], 16) for r in receipts) <= head - 3
        if settled and sum(1 for line in process.stderr_lines if "reorg:" in line) >= 2:
            break   # a reorg replaces at most the last 2 blocks: these receipts stay
        for tx, receipt in zip(signed, receipts):
            if receipt is None and client("eth_getTransactionByHash", tx_hash(tx)) is None:
                try:
                    client.send(tx)
                    resent += 1
                except Exception as error:   # mined meanwhile: fine, the receipt shows next round
                    assert "already known" in str(error) or "nonce too low" in str(error), error
        time.sleep(0.05)
    receipts = [client("eth_getTransactionReceipt", tx_hash(tx)) for tx in signed]
    assert all(receipts), "a transfer never landed"
    assert int(client("eth_getBalance", RECIPIENT, "latest"), 16) == 12
    assert client("eth_getTransactionCount", ADDRESS, "latest") == hex(12)
    reorgs = [line for line in process.stderr_lines if "reorg:" in line and "replaced" in line]
    assert len(reorgs) >= 2
    assert any("forgotten" in line and " 0 forgotten" not in line for line in reorgs) == (resent > 0)
    assert_linked(client, unsettled=3)
