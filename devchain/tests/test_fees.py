"""Fees that move: a base fee pinned on command or raised by full blocks, tips from the chain,
and a block of a thousand transactions read back by hashes in one call."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import DEV_KEYS, GWEI, Client, transfer, tx_hash

KEY = DEV_KEYS[0]
GAS_TARGET = 30_029_122 // 2


def base_fee(client, tag="latest") -> int:
    return int(client("eth_getBlockByNumber", tag, False)["baseFeePerGas"], 16)


def eip1559_next(parent_fee: int, gas_used: int) -> int:
    """EIP-1559: the base fee moves by up to an eighth, towards a half-full block."""
    if gas_used > GAS_TARGET:
        return parent_fee + max(parent_fee * (gas_used - GAS_TARGET) // GAS_TARGET // 8, 1)
    return parent_fee - parent_fee * (GAS_TARGET - gas_used) // GAS_TARGET // 8


def test_a_pinned_base_fee_holds_a_transaction_until_its_fees_are_bumped(start_node):
    _, client = start_node()
    pinned = 50 * GWEI
    client("dev_setBaseFee", hex(pinned))
    original = transfer(KEY, 0, tip=2 * GWEI, max_fee=40 * GWEI)
    client.send(original)
    client("dev_mine", 3)
    assert base_fee(client) == pinned and base_fee(client, "0x1") == pinned
    assert client("eth_getTransactionReceipt", tx_hash(original)) is None
    history = client("eth_feeHistory", 3, "latest", [])
    assert history["baseFeePerGas"] == [hex(pinned)] * 4        # the next block's too
    assert int(client("eth_gasPrice"), 16) > pinned

    bumped = transfer(KEY, 0, tip=3 * GWEI, max_fee=60 * GWEI)   # +50% on both fees
    client.send(bumped)
    client("dev_mine")
    receipt = client("eth_getTransactionReceipt", tx_hash(bumped))
    assert receipt["status"] == "0x1" and int(receipt["effectiveGasPrice"], 16) == pinned + 3 * GWEI
    assert client("eth_getTransactionByHash", tx_hash(original)) is None

    client("dev_setBaseFee", None)
    (first, second) = client("dev_mine", 2)
    # EIP-1559 again, from the last pinned block (one transfer) and then an empty one.
    after_one = eip1559_next(pinned, 21000)
    assert pinned > base_fee(client, first["number"]) == after_one
    assert base_fee(client, second["number"]) == eip1559_next(after_one, 0) == after_one - after_one // 8
    assert client.raw("dev_setBaseFee", "fifty")["error"]["code"] == -32602


def test_a_full_block_raises_the_base_fee_and_its_hashes_come_back_in_one_call(start_node):
    process, client = start_node()
    count_per_sender, tips = 300, [1, 2, 3, 4]
    batches = [[transfer(DEV_KEYS[i], nonce, tip=tip * GWEI) for nonce in range(count_per_sender)]
               for i, tip in enumerate(tips)]

    def send_all(batch) -> None:
        sender = Client(process.url)
        for signed in batch:
            sender.send(signed)

    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        list(pool.map(send_all, batches))
    assert client("txpool_status")["pending"] == hex(1200)
    (block,) = client("dev_mine")
    assert block["transactions"] == hex(1200)

    started = time.perf_counter()
    full = client("eth_getBlockByNumber", block["number"], False)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"eth_getBlockByNumber with 1200 hashes: {elapsed_ms:.1f} ms")
    hashes = full["transactions"]
    assert len(hashes) == 1200 and set(hashes) == {tx_hash(s) for batch in batches for s in batch}
    gas_used = int(full["gasUsed"], 16)
    assert gas_used == 1200 * 21000 > GAS_TARGET
    expected = eip1559_next(int(full["baseFeePerGas"], 16), gas_used)
    assert client("eth_feeHistory", 1, "latest", [])["baseFeePerGas"][1] == hex(expected)
    (next_block,) = client("dev_mine")
    assert base_fee(client, next_block["number"]) == expected > int(full["baseFeePerGas"], 16)

    # In batches of at most 1,000 calls: the node refuses larger ones, as geth does.
    receipts = []
    for start in range(0, len(hashes), 1000):
        status, body = client.post([{"jsonrpc": "2.0", "id": i, "method": "eth_getTransactionReceipt",
                                     "params": [h]} for i, h in enumerate(hashes) if start <= i < start + 1000])
        assert status == 200
        receipts += json.loads(body)
    assert [r["id"] for r in receipts] == list(range(1200))
    assert [int(r["result"]["transactionIndex"], 16) for r in receipts] == list(range(1200))
    assert all(r["result"]["blockHash"] == full["hash"] for r in receipts)
    # Tips from the block: sorted by tip, each sender's 300 transfers fill a quarter of the gas.
    history = client("eth_feeHistory", 1, block["number"], [10, 30, 60, 90])
    assert history["reward"] == [[hex(1 * GWEI), hex(2 * GWEI), hex(3 * GWEI), hex(4 * GWEI)]]
    assert client("eth_maxPriorityFeePerGas") == hex(3 * GWEI)
