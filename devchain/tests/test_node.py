"""The node answers like geth: pool admission rules, queued nonces, receipts and fees."""

import json

import pytest
from eth_account import Account

from conftest import CHAIN_ID, DEV_KEYS, GWEI, RPCFailure, fund_new_account, transfer

RECIPIENT = "0x" + "22" * 20
# Init code that deploys runtime code returning the word 42 (PUSH1 42, MSTORE, RETURN 32 bytes).
RUNTIME = bytes.fromhex("602a60005260206000f3")
INIT_CODE = bytes.fromhex("69") + RUNTIME + bytes.fromhex("600052600a6016f3")


def rejected(call) -> str:
    with pytest.raises(RPCFailure) as failure:
        call()
    assert failure.value.code == -32000
    return failure.value.message


def test_transfer_is_mined_with_a_complete_receipt(rpc):
    account = fund_new_account(rpc)
    before = int(rpc("eth_getBalance", RECIPIENT, "latest"), 16)
    signed = transfer(account.key, 0, value=12345, tip=2 * GWEI)
    tx_hash = rpc.send(signed)
    assert tx_hash == "0x" + bytes(signed.hash).hex()

    receipt = rpc.wait_receipt(tx_hash)
    block = rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
    assert receipt["status"] == "0x1"
    assert receipt["from"] == account.address.lower()
    assert receipt["to"] == RECIPIENT
    assert receipt["type"] == "0x2"
    assert receipt["gasUsed"] == hex(21000)
    assert receipt["blockHash"] == block["hash"]
    assert receipt["contractAddress"] is None
    assert tx_hash in block["transactions"]
    assert receipt["transactionIndex"] == hex(block["transactions"].index(tx_hash))
    assert int(receipt["effectiveGasPrice"], 16) == int(block["baseFeePerGas"], 16) + 2 * GWEI

    tx = rpc("eth_getTransactionByHash", tx_hash)
    assert tx["blockHash"] == block["hash"] and tx["blockNumber"] == receipt["blockNumber"]
    assert (tx["from"], tx["to"], tx["nonce"], tx["value"], tx["type"], tx["input"]) == \
        (account.address.lower(), RECIPIENT, "0x0", hex(12345), "0x2", "0x")
    assert tx["chainId"] == hex(CHAIN_ID)
    assert int(rpc("eth_getBalance", RECIPIENT, "latest"), 16) == before + 12345
    assert rpc("eth_getBlockByHash", block["hash"], True)["transactions"][int(receipt["transactionIndex"], 16)] == tx
    receipts = rpc("eth_getBlockReceipts", receipt["blockNumber"])
    assert [r["transactionHash"] for r in receipts] == block["transactions"]
    assert receipts[int(receipt["transactionIndex"], 16)] == receipt
    assert rpc("eth_getBlockReceipts", hex(int(rpc("eth_blockNumber"), 16) + 5)) is None


def test_legacy_transaction_pays_its_gas_price(rpc):
    account = fund_new_account(rpc)
    signed = Account.sign_transaction({"chainId": CHAIN_ID, "nonce": 0, "to": RECIPIENT, "value": 1,
                                       "gas": 21000, "gasPrice": 7 * GWEI}, account.key)
    receipt = rpc.wait_receipt(rpc.send(signed))
    assert (receipt["type"], receipt["status"], receipt["effectiveGasPrice"]) == ("0x0", "0x1", hex(7 * GWEI))


def test_future_nonce_is_queued_until_the_gap_fills(rpc):
    account = fund_new_account(rpc)
    later = rpc.send(transfer(account.key, 1))
    pending = rpc("eth_getTransactionByHash", later)
    assert pending["blockHash"] is None and pending["blockNumber"] is None and pending["nonce"] == "0x1"
    assert rpc("eth_getTransactionCount", account.address, "pending") == "0x0"
    # Another sender's transaction is mined while the gap stays open.
    rpc.wait_receipt(rpc.send(transfer(fund_new_account(rpc).key, 0)))
    assert rpc("eth_getTransactionReceipt", later) is None

    first = rpc.send(transfer(account.key, 0))
    first_receipt, later_receipt = rpc.wait_receipt(first), rpc.wait_receipt(later)
    assert (first_receipt["status"], later_receipt["status"]) == ("0x1", "0x1")
    assert int(first_receipt["blockNumber"], 16) <= int(later_receipt["blockNumber"], 16)
    assert rpc("eth_getTransactionCount", account.address, "latest") == "0x2"


def test_pending_count_includes_the_pool_and_latest_only_mined(idle_rpc):
    key = DEV_KEYS[1]
    address = Account.from_key(key).address
    for nonce in (0, 1, 3):
        idle_rpc.send(transfer(key, nonce))
    assert idle_rpc("eth_getTransactionCount", address, "latest") == "0x0"
    assert idle_rpc("eth_getTransactionCount", address, "earliest") == "0x0"
    assert idle_rpc("eth_getTransactionCount", address, "pending") == "0x2"
    assert idle_rpc("txpool_status") == {"pending": "0x2", "queued": "0x1"}


def test_duplicates_are_already_known_in_pool_and_after_mining(rpc, idle_rpc):
    signed = transfer(DEV_KEYS[2], 0)
    idle_rpc.send(signed)
    assert rejected(lambda: idle_rpc.send(signed)) == "already known"

    account = fund_new_account(rpc)
    mined = transfer(account.key, 0)
    rpc.wait_receipt(rpc.send(mined))
    assert rejected(lambda: rpc.send(mined)) == "already known"


def test_nonce_below_the_account_nonce_is_too_low(rpc):
    account = fund_new_account(rpc)
    rpc.wait_receipt(rpc.send(transfer(account.key, 0)))
    rpc.wait_receipt(rpc.send(transfer(account.key, 1)))
    assert rejected(lambda: rpc.send(transfer(account.key, 0, value=2))) == \
        "nonce too low: next nonce 2, tx nonce 0"


def test_replacement_needs_ten_percent_more_on_both_fees(idle_rpc):
    key = DEV_KEYS[3]
    original = idle_rpc.send(transfer(key, 0, tip=10 * GWEI, max_fee=100 * GWEI))
    assert rejected(lambda: idle_rpc.send(transfer(key, 0, tip=10 * GWEI, max_fee=200 * GWEI))) == \
        "replacement transaction underpriced"
    assert rejected(lambda: idle_rpc.send(transfer(key, 0, tip=10_900_000_000, max_fee=109 * GWEI))) == \
        "replacement transaction underpriced"
    replacement = idle_rpc.send(transfer(key, 0, tip=11 * GWEI, max_fee=110 * GWEI))
    assert idle_rpc("eth_getTransactionByHash", original) is None
    assert idle_rpc("eth_getTransactionByHash", replacement)["maxFeePerGas"] == hex(110 * GWEI)


def test_replacement_is_mined_instead_of_the_original(rpc):
    # On the mining node the original may already be mined; use a gap to hold both in the pool.
    account = fund_new_account(rpc)
    original = rpc.send(transfer(account.key, 1, tip=GWEI, max_fee=50 * GWEI))
    replacement = rpc.send(transfer(account.key, 1, tip=2 * GWEI, max_fee=60 * GWEI))
    rpc.send(transfer(account.key, 0))
    assert rpc.wait_receipt(replacement)["status"] == "0x1"
    assert rpc("eth_getTransactionReceipt", original) is None
    assert rpc("eth_getTransactionByHash", original) is None


def test_wrong_or_missing_chain_id_is_rejected(rpc):
    account = fund_new_account(rpc)
    assert "invalid chain id" in rejected(lambda: rpc.send(transfer(account.key, 0, chain_id=1)))
    unprotected = Account.sign_transaction({"nonce": 0, "to": RECIPIENT, "value": 1, "gas": 21000,
                                            "gasPrice": GWEI}, account.key)
    assert "invalid chain id" in rejected(lambda: rpc.send(unprotected))
    assert rpc("eth_getTransactionCount", account.address, "pending") == "0x0"


def test_insufficient_funds_names_the_account_balance_and_cost(rpc):
    account = fund_new_account(rpc, amount=21000 * 100 * GWEI)
    affordable = 21000 * 100 * GWEI
    message = rejected(lambda: rpc.send(transfer(account.key, 0, value=1)))
    assert message == ("insufficient funds for gas * price + value: "
                       f"address {account.address.lower()} have {affordable} want {affordable + 1}")
    rpc.wait_receipt(rpc.send(transfer(account.key, 0, value=0)))


def test_pooled_transactions_together_may_not_overdraw_the_balance(start_node):
    _, client = start_node()
    cost = 21000 * 100 * GWEI        # each transfer below: gas * fee cap, value 0
    funder = Account.from_key(DEV_KEYS[0])
    account = Account.create()
    client.send(transfer(funder.key, 0, to=account.address, value=2 * cost + cost // 2))
    client("dev_mine")
    client.send(transfer(account.key, 0, value=0))
    client.send(transfer(account.key, 1, value=0))
    assert rejected(lambda: client.send(transfer(account.key, 2, value=0))) == (
        f"transaction would cause overdraft: balance {2 * cost + cost // 2}, queued cost {2 * cost}, "
        f"overshot {cost // 2}")
    # A replacement may add only what the balance still covers.
    assert rejected(lambda: client.send(transfer(account.key, 1, value=0, tip=2 * GWEI, max_fee=200 * GWEI))) \
        .startswith(f"insufficient funds for gas * price + value: balance {2 * cost + cost // 2}, "
                    f"queued cost {2 * cost}, tx bumped {cost}")
    client.send(transfer(account.key, 1, value=0, tip=2 * GWEI, max_fee=120 * GWEI))
    client("dev_mine")
    assert client("eth_getTransactionCount", account.address, "latest") == "0x2"


def test_intrinsic_gas_limits(rpc):
    key = DEV_KEYS[0]
    assert rejected(lambda: rpc.send(transfer(key, 10**6, gas=20999))).startswith("intrinsic gas too low")
    with_data = transfer(key, 10**6, gas=21000, data="0x" + "ff" * 10)
    assert rejected(lambda: rpc.send(with_data)) == "intrinsic gas too low: gas 21000, minimum needed 21160"
    assert rejected(lambda: rpc.send(transfer(key, 10**6, gas=40_000_000))) == "exceeds block gas limit"
    assert rejected(lambda: rpc.send(transfer(key, 10**6, tip=3 * GWEI, max_fee=2 * GWEI))).startswith(
        "max priority fee per gas higher than max fee per gas")


def test_fee_cap_below_base_fee_waits_in_the_pool(idle_rpc):
    base_fee = int(idle_rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    tx_hash = idle_rpc.send(transfer(DEV_KEYS[4], 0, tip=1, max_fee=base_fee // 2))
    assert idle_rpc("eth_getTransactionByHash", tx_hash)["blockHash"] is None


def test_contract_creation_call_and_estimate(rpc):
    account = fund_new_account(rpc)
    signed = Account.sign_transaction({"type": 2, "chainId": CHAIN_ID, "nonce": 0, "value": 0,
                                       "gas": 100_000, "maxFeePerGas": 100 * GWEI,
                                       "maxPriorityFeePerGas": GWEI, "data": INIT_CODE}, account.key)
    receipt = rpc.wait_receipt(rpc.send(signed))
    contract = receipt["contractAddress"]
    assert receipt["status"] == "0x1" and receipt["to"] is None and contract is not None
    assert rpc("eth_getCode", contract, "latest") == "0x" + RUNTIME.hex()
    assert rpc("eth_getCode", contract, "earliest") == "0x"
    assert int(rpc("eth_call", {"to": contract, "data": "0x"}, "latest"), 16) == 42
    assert rpc("eth_estimateGas", {"from": account.address, "to": RECIPIENT, "value": "0x1"}) == hex(21000)


MISSION_CALLDATA = ("0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
                    "00000000000000000000000000000000000000000000000000000000000000fa")


def test_estimate_covers_the_calldata_floor_so_the_estimate_is_accepted(rpc):
    account = fund_new_account(rpc)
    estimate = int(rpc("eth_estimateGas", {"from": account.address, "to": RECIPIENT,
                                           "data": MISSION_CALLDATA}), 16)
    # EIP-7623: 21000 + 10 * (zero bytes + 4 * non-zero bytes) for the mission's 68 bytes.
    assert estimate == 22430
    signed = Account.sign_transaction({"type": 2, "chainId": CHAIN_ID, "nonce": 0, "value": 0,
                                       "to": RECIPIENT, "gas": estimate, "data": MISSION_CALLDATA,
                                       "maxFeePerGas": 100 * GWEI, "maxPriorityFeePerGas": GWEI},
                                      account.key)
    assert rpc.wait_receipt(rpc.send(signed))["status"] == "0x1"


def test_fee_history_and_gas_price_are_consistent(rpc):
    account = fund_new_account(rpc)
    rpc.wait_receipt(rpc.send(transfer(account.key, 0, tip=3 * GWEI)))
    head = int(rpc("eth_blockNumber"), 16)
    history = rpc("eth_feeHistory", "0x4", "latest", [25, 75])
    assert int(history["oldestBlock"], 16) == head - 3
    assert len(history["baseFeePerGas"]) == 5 and len(history["gasUsedRatio"]) == 4
    assert len(history["reward"]) == 4 and all(len(r) == 2 for r in history["reward"])
    latest = rpc("eth_getBlockByNumber", "latest", False)
    assert history["baseFeePerGas"][-2] == latest["baseFeePerGas"]
    next_base_fee = int(history["baseFeePerGas"][-1], 16)
    tip = int(rpc("eth_maxPriorityFeePerGas"), 16)
    assert tip > 0
    assert int(rpc("eth_gasPrice"), 16) == next_base_fee + tip
    assert rpc("eth_feeHistory", 2, "latest", [])["oldestBlock"] == hex(head - 1)


def test_identity_errors_and_batches(rpc):
    assert rpc("eth_chainId") == hex(CHAIN_ID)
    assert rpc("net_version") == str(CHAIN_ID)
    missing = rpc.raw("eth_doesNotExist")["error"]
    assert missing == {"code": -32601, "message": "the method eth_doesNotExist does not exist/is not available"}
    assert rpc.raw("eth_getBalance", "0x1234", "latest")["error"]["code"] == -32602
    assert rpc.raw("eth_getBalance")["error"]["code"] == -32602
    assert rpc("eth_getBlockByNumber", "0xffffff", False) is None
    assert rpc("eth_getTransactionReceipt", "0x" + "00" * 32) is None

    status, body = rpc.post([{"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
                             {"jsonrpc": "2.0", "id": 8, "method": "nope", "params": []}])
    answers = json.loads(body)
    assert status == 200 and [a["id"] for a in answers] == [7, 8]
    assert answers[0]["result"] == hex(CHAIN_ID) and answers[1]["error"]["code"] == -32601


def test_batch_limit_answers_like_geth(start_node):
    _, client = start_node("--max-batch", "3")
    at_limit = [{"jsonrpc": "2.0", "id": 10 + i, "method": "eth_chainId", "params": []} for i in range(3)]
    status, body = client.post(at_limit)
    assert status == 200 and [a["id"] for a in json.loads(body)] == [10, 11, 12]
    # One over: geth answers an array of one -32600 error carrying the first call's id.
    status, body = client.post(at_limit + [{"jsonrpc": "2.0", "id": 13, "method": "eth_chainId", "params": []}])
    assert status == 200
    assert json.loads(body) == [{"jsonrpc": "2.0", "id": 10, "error": {"code": -32600, "message": "batch too large"}}]


def test_batch_elements_answer_on_their_own(rpc):
    batch = [{"jsonrpc": "2.0", "id": "a", "method": "eth_blockNumber", "params": []},
             {"jsonrpc": "2.0", "id": 2, "method": "eth_getBalance", "params": ["0x1234", "latest"]},
             {"jsonrpc": "2.0", "id": 3, "method": "eth_sendRawTransaction", "params": ["0x02c0"]},
             "not a request"]
    status, body = rpc.post(batch)
    answers = json.loads(body)
    assert status == 200 and [a["id"] for a in answers] == ["a", 2, 3, None]
    assert "result" in answers[0]
    assert answers[1]["error"]["code"] == -32602
    assert answers[2]["error"]["code"] in (-32000, -32602)
    assert answers[3]["error"]["code"] == -32600
    status, body = rpc.post([])
    assert json.loads(body)["error"] == {"code": -32600, "message": "empty batch"}
