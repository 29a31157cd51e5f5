"""JSON-RPC shapes of blocks, transactions and receipts, as geth prints them."""

from eth._utils.address import generate_contract_address


def quantity(value: int) -> str:
    return hex(value)


def data(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def word(value) -> str:
    """A 32-byte value that py-evm may hold as int or bytes."""
    if isinstance(value, int):
        return "0x" + value.to_bytes(32, "big").hex()
    return data(bytes(value).rjust(32, b"\x00"))


def address(value) -> str | None:
    return data(value) if value else None


def is_legacy(tx) -> bool:
    return getattr(tx, "type_id", None) is None


def tx_type(tx) -> int:
    return 0 if is_legacy(tx) else tx.type_id


def fee_cap(tx) -> int:
    """gasPrice for legacy and access-list transactions, maxFeePerGas for EIP-1559."""
    return tx.max_fee_per_gas if tx_type(tx) >= 2 else tx.gas_price


def tip_cap(tx) -> int:
    return tx.max_priority_fee_per_gas if tx_type(tx) >= 2 else tx.gas_price


def effective_gas_price(tx, base_fee: int) -> int:
    return min(fee_cap(tx), base_fee + tip_cap(tx))


def access_list(tx) -> list[dict]:
    return [
        {"address": data(entry_address), "storageKeys": [word(key) for key in keys]}
        for entry_address, keys in tx.access_list
    ]


def transaction(tx, sender: bytes, block=None, index: int | None = None) -> dict:
    """`block` is None for a pending transaction (blockHash, blockNumber, index null)."""
    kind = tx_type(tx)
    out = {
        "blockHash": data(block.hash) if block is not None else None,
        "blockNumber": quantity(block.header.block_number) if block is not None else None,
        "from": data(sender),
        "gas": quantity(tx.gas),
        "gasPrice": None,
        "hash": data(tx.hash),
        "input": data(tx.data),
        "nonce": quantity(tx.nonce),
        "to": address(tx.to),
        "transactionIndex": quantity(index) if block is not None else None,
        "value": quantity(tx.value),
        "type": quantity(kind),
    }
    if kind >= 2:
        out["maxFeePerGas"] = quantity(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas)
        # geth: the effective price once mined, the fee cap while pending.
        base_fee = block.header.base_fee_per_gas if block is not None else None
        out["gasPrice"] = quantity(
            effective_gas_price(tx, base_fee) if base_fee is not None else tx.max_fee_per_gas
        )
    else:
        out["gasPrice"] = quantity(tx.gas_price)
    if kind == 0:
        if tx.chain_id is not None:
            out["chainId"] = quantity(tx.chain_id)
        out["v"] = quantity(tx.v)
    else:
        out["chainId"] = quantity(tx.chain_id)
        out["accessList"] = access_list(tx)
        out["v"] = quantity(tx.y_parity)
        out["yParity"] = quantity(tx.y_parity)
    out["r"] = quantity(tx.r)
    out["s"] = quantity(tx.s)
    return out


def logs_bloom(bloom: int) -> str:
    return data(bloom.to_bytes(256, "big"))


def receipt(tx, sender: bytes, block, index: int, rcpt, gas_used: int, log_offset: int) -> dict:
    """`gas_used` is this transaction's share; `log_offset` is the block-wide index of its first log."""
    logs = [
        {
            "address": data(log.address),
            "topics": [word(topic) for topic in log.topics],
            "data": data(log.data),
            "blockNumber": quantity(block.header.block_number),
            "transactionHash": data(tx.hash),
            "transactionIndex": quantity(index),
            "blockHash": data(block.hash),
            "logIndex": quantity(log_offset + position),
            "removed": False,
        }
        for position, log in enumerate(rcpt.logs)
    ]
    contract = generate_contract_address(sender, tx.nonce) if not tx.to else None
    return {
        "blockHash": data(block.hash),
        "blockNumber": quantity(block.header.block_number),
        "contractAddress": address(contract),
        "cumulativeGasUsed": quantity(rcpt.gas_used),
        "effectiveGasPrice": quantity(effective_gas_price(tx, block.header.base_fee_per_gas)),
        "from": data(sender),
        "gasUsed": quantity(gas_used),
        "logs": logs,
        "logsBloom": logs_bloom(rcpt.bloom),
        # post-Byzantium receipts store 0x01 for success, empty for failure.
        "status": quantity(1 if rcpt.state_root == b"\x01" else 0),
        "to": address(tx.to),
        "transactionHash": data(tx.hash),
        "transactionIndex": quantity(index),
        "type": quantity(tx_type(tx)),
    }


_OPTIONAL_HEADER_FIELDS = (
    ("withdrawals_root", "withdrawalsRoot", data),
    ("blob_gas_used", "blobGasUsed", quantity),
    ("excess_blob_gas", "excessBlobGas", quantity),
    ("parent_beacon_block_root", "parentBeaconBlockRoot", data),
    ("requests_hash", "requestsHash", data),
)


def block_header(block, size: int) -> dict:
    """The block without its `transactions` list (the caller adds hashes or objects)."""
    header = block.header
    out = {
        "baseFeePerGas": quantity(header.base_fee_per_gas),
        "difficulty": quantity(header.difficulty),
        "extraData": data(header.extra_data),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "hash": data(block.hash),
        "logsBloom": logs_bloom(header.bloom),
        "miner": data(header.coinbase),
        "mixHash": data(header.mix_hash),
        "nonce": data(header.nonce),
        "number": quantity(header.block_number),
        "parentHash": data(header.parent_hash),
        "receiptsRoot": data(header.receipt_root),
        "sha3Uncles": data(header.uncles_hash),
        "size": quantity(size),
        "stateRoot": data(header.state_root),
        "timestamp": quantity(header.timestamp),
        "transactionsRoot": data(header.transaction_root),
        "uncles": [],
    }
    for attribute, key, encode in _OPTIONAL_HEADER_FIELDS:
        value = getattr(header, attribute, None)
        if value is not None:
            out[key] = encode(value)
    if "withdrawalsRoot" in out:
        out["withdrawals"] = []
    return out
