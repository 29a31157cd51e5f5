"""JSON-RPC 2.0 dispatch: geth's method shapes and error codes (parameters: rpc_params)."""

import json

from eth.exceptions import VMError
from eth_utils import to_checksum_address

import serialize
from dev_rpc import DevMethods
from devnode import DevNode
from mempool import TxRejected
from rpc_params import (
    EXECUTION_REVERTED, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, SERVER_ERROR,
    RPCError, invalid, param, parse_address, parse_bytes, parse_quantity,
)
from serialize import data, quantity

MAX_FEE_HISTORY_BLOCKS = 1024
DEFAULT_TIP = 10**9  # geth's suggestion when blocks carry no transactions to learn from


class Methods(DevMethods):
    """One method per JSON-RPC method; each takes the params list."""

    def __init__(self, node: DevNode, without: frozenset[str] = frozenset()) -> None:
        self.node = node
        self.ledger = node.ledger
        self.without = without   # methods answered as a node that lacks them (older clients)

    def dispatch(self, method: str, params: list):
        handler = getattr(self, method, None) if method.startswith(
            ("eth_", "net_", "web3_", "txpool_", "dev_")) and method not in self.without else None
        if handler is None:
            raise RPCError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
        return handler(params)

    # Block selection ---------------------------------------------------------------------

    def block_number_of(self, tag, allow_pending_as_latest: bool = True) -> int:
        head = self.ledger.head.number
        if tag in ("latest", "safe", "finalized", "pending"):
            return head
        if tag == "earliest":
            return 0
        number = parse_quantity(tag, "block number")
        if number > head:
            raise RPCError(SERVER_ERROR, "header not found")
        return number

    def _state_block(self, params: list, index: int) -> int | None:
        tag = param(params, index, "block", "latest")
        if isinstance(tag, dict):  # EIP-1898 {"blockNumber"} / {"blockHash"}
            if "blockHash" in tag:
                block_hash = parse_bytes(tag["blockHash"], "blockHash", 32)
                if block_hash not in self.ledger.block_numbers:
                    raise RPCError(SERVER_ERROR, "header for hash not found")
                return self.ledger.block_numbers[block_hash]
            tag = tag.get("blockNumber", "latest")
        number = self.block_number_of(tag)
        return None if number == self.ledger.head.number else number

    # Chain identity ---------------------------------------------------------------------

    def eth_chainId(self, params):
        return quantity(self.node.chain_id)

    def net_version(self, params):
        return str(self.node.chain_id)

    def web3_clientVersion(self, params):
        return "devchain/py-evm"

    def eth_syncing(self, params):
        return False

    def eth_accounts(self, params):
        return []

    def eth_blockNumber(self, params):
        return quantity(self.ledger.head.number)

    # Accounts ----------------------------------------------------------------------------

    def eth_getBalance(self, params):
        account = parse_address(param(params, 0, "address"))
        return quantity(self.ledger.balance(account, self._state_block(params, 1)))

    def eth_getTransactionCount(self, params):
        account = parse_address(param(params, 0, "address"))
        if param(params, 1, "block", "latest") == "pending":
            return quantity(self.node.pending_nonce(account))
        return quantity(self.ledger.nonce(account, self._state_block(params, 1)))

    def eth_getCode(self, params):
        account = parse_address(param(params, 0, "address"))
        return data(self.ledger.code(account, self._state_block(params, 1)))

    # Transactions ----------------------------------------------------------------------

    def eth_sendRawTransaction(self, params):
        raw = parse_bytes(param(params, 0, "data"), "data")
        try:
            return data(self.node.send_raw_transaction(raw))
        except TxRejected as error:
            raise RPCError(SERVER_ERROR, str(error)) from None

    def eth_getTransactionByHash(self, params):
        return self.node.transaction(parse_bytes(param(params, 0, "hash"), "hash", 32))

    def eth_getTransactionReceipt(self, params):
        return self.ledger.receipts.get(parse_bytes(param(params, 0, "hash"), "hash", 32))

    def _call_object(self, params) -> dict:
        raw = param(params, 0, "transaction")
        if not isinstance(raw, dict):
            raise invalid("invalid argument 0: transaction must be an object")
        call = {}
        for key in ("from", "to"):
            if raw.get(key) is not None:
                call[key] = parse_address(raw[key], key)
        for key in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value"):
            if raw.get(key) is not None:
                call[key] = parse_quantity(raw[key], key)
        payload = raw.get("input", raw.get("data"))
        if payload is not None:
            call["data"] = parse_bytes(payload, "input")
        return call

    def eth_call(self, params):
        computation = self.ledger.call(self._call_object(params), self._state_block(params, 1))
        if computation.is_error:
            raise _execution_error(computation)
        return data(computation.output)

    def eth_estimateGas(self, params):
        call = self._call_object(params)
        try:
            return quantity(self.ledger.estimate_gas(call, self._state_block(params, 1)))
        except VMError as error:
            raise RPCError(SERVER_ERROR, f"execution reverted: {error}") from None

    # Fees ----------------------------------------------------------------------------

    def _suggested_tip(self) -> int:
        recent = [tip for block in self.ledger.blocks[-20:] for tip, _ in block.tips]
        if not recent:
            return DEFAULT_TIP
        recent.sort()
        return max(1, recent[(len(recent) - 1) * 60 // 100])

    def eth_maxPriorityFeePerGas(self, params):
        return quantity(self._suggested_tip())

    def eth_gasPrice(self, params):
        return quantity(self._suggested_tip() + self.ledger.next_base_fee)

    def eth_feeHistory(self, params):
        count = _parse_count(param(params, 0, "blockCount"))
        newest = self.block_number_of(param(params, 1, "newestBlock"))
        percentiles = param(params, 2, "rewardPercentiles", [])
        if not isinstance(percentiles, list) or any(
            not isinstance(p, (int, float)) or not 0 <= p <= 100 for p in percentiles
        ) or percentiles != sorted(percentiles):
            raise invalid("invalid reward percentile")
        count = min(count, MAX_FEE_HISTORY_BLOCKS, newest + 1)
        if count == 0:
            return {"oldestBlock": quantity(0), "baseFeePerGas": [], "gasUsedRatio": []}
        chain = self.ledger.blocks   # one snapshot: a reorg replaces the list
        blocks = chain[newest - count + 1: newest + 1]
        if not blocks:
            raise RPCError(SERVER_ERROR, "header not found")
        next_base_fee = (chain[newest + 1].base_fee
                         if newest + 1 < len(chain) else self.ledger.next_base_fee)
        history = {
            "oldestBlock": quantity(blocks[0].number),
            "baseFeePerGas": [quantity(b.base_fee) for b in blocks] + [quantity(next_base_fee)],
            "gasUsedRatio": [b.gas_used / b.gas_limit for b in blocks],
        }
        if percentiles:
            history["reward"] = [_rewards(b, percentiles) for b in blocks]
        return history

    # Blocks ------------------------------------------------------------------------

    def _block(self, number: int, full: bool):
        mined = self.ledger.block(number)
        if mined is None:   # a reorg shortened the chain meanwhile
            return None
        transactions = self.ledger.transactions
        return _block_json(mined, [transactions.get(h) for h in mined.tx_hashes] if full else None)

    def _mined_number(self, tag) -> int | None:
        """The block number `tag` names, None for one not mined yet (geth answers null)."""
        try:
            return self.block_number_of(tag)
        except RPCError as error:
            if error.code == SERVER_ERROR:
                return None
            raise

    def eth_getBlockByNumber(self, params):
        number = self._mined_number(param(params, 0, "number"))
        return None if number is None else self._block(number, bool(param(params, 1, "fullTx", False)))

    def eth_getBlockReceipts(self, params):
        """Every receipt of a block, in block order (geth's answer; null for a block not mined)."""
        number = self._mined_number(param(params, 0, "block"))
        mined = None if number is None else self.ledger.block(number)
        if mined is None:
            return None
        return [receipt for receipt in map(self.ledger.receipts.get, mined.tx_hashes) if receipt is not None]

    def eth_getBlockByHash(self, params):
        block_hash = parse_bytes(param(params, 0, "hash"), "hash", 32)
        full = bool(param(params, 1, "fullTx", False))
        number = self.ledger.block_numbers.get(block_hash)
        if number is not None:
            return self._block(number, full)
        orphan = self.ledger.orphans.get(block_hash)   # geth serves side-chain blocks by hash
        if orphan is None:
            return None
        return _block_json(orphan.block, orphan.transactions if full else None)

    def eth_getBlockTransactionCountByNumber(self, params):
        mined = self.ledger.block(self.block_number_of(param(params, 0, "number")))
        return None if mined is None else quantity(len(mined.tx_hashes))

    def txpool_status(self, params):
        pending, queued = self.node.pool_counts()
        return {"pending": quantity(pending), "queued": quantity(queued)}

    def txpool_content(self, params):
        """geth's shape: {"pending"|"queued": {checksummed sender: {decimal nonce: transaction}}}."""
        def group(by_sender):
            return {to_checksum_address(sender): {str(entry.nonce): serialize.transaction(entry.tx, sender)
                                                  for entry in entries}
                    for sender, entries in by_sender.items()}

        pending, queued = self.node.pool_content()
        return {"pending": group(pending), "queued": group(queued)}


def _block_json(mined, transactions: list[dict] | None) -> dict:
    """A block with its transaction hashes, or with `transactions` as objects."""
    block = dict(mined.header_json)
    block["transactions"] = transactions if transactions is not None else [data(h) for h in mined.tx_hashes]
    return block


def _parse_count(value) -> int:
    """geth's blockCount is hex, decimal string or a JSON number."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return parse_quantity(value, "blockCount")


def _rewards(block, percentiles) -> list[str]:
    """geth: tips sorted ascending, picked where cumulative gas crosses each percentile."""
    if not block.tips:
        return [quantity(0) for _ in percentiles]
    tips = sorted(block.tips)
    rewards, index, cumulative = [], 0, tips[0][1]
    for percentile in percentiles:
        threshold = block.gas_used * percentile / 100
        while cumulative < threshold and index < len(tips) - 1:
            index += 1
            cumulative += tips[index][1]
        rewards.append(quantity(tips[index][0]))
    return rewards


def _execution_error(computation) -> RPCError:
    error = computation.error
    output = bytes(computation.output or b"")
    if output[:4] == bytes.fromhex("08c379a0"):
        try:
            length = int.from_bytes(output[36:68], "big")
            reason = output[68:68 + length].decode()
            return RPCError(EXECUTION_REVERTED, f"execution reverted: {reason}", data(output))
        except (ValueError, UnicodeDecodeError):
            pass
    if output:
        return RPCError(EXECUTION_REVERTED, "execution reverted", data(output))
    return RPCError(SERVER_ERROR, str(error) or type(error).__name__)


# Envelope -----------------------------------------------------------------------------

DEFAULT_MAX_BATCH = 1000   # geth's --rpc.batch-request-limit


def handle_body(methods: Methods, body: bytes, max_batch: int = DEFAULT_MAX_BATCH) -> bytes:
    """Answers one HTTP body: a single request or a batch (one answer per element, in order).

    A batch of more than `max_batch` elements is answered as geth does: an array holding one
    -32600 `batch too large` error that carries the id of the batch's first call."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _encode(_error_response(None, RPCError(PARSE_ERROR, "parse error")))
    if isinstance(request, list):
        if not request:
            return _encode(_error_response(None, RPCError(INVALID_REQUEST, "empty batch")))
        if len(request) > max_batch:
            first_id = next((item.get("id") for item in request if isinstance(item, dict) and "id" in item), None)
            return _encode([_error_response(first_id, RPCError(INVALID_REQUEST, "batch too large"))])
        return _encode([_answer(methods, item) for item in request])
    return _encode(_answer(methods, request))


def _answer(methods: Methods, request) -> dict:
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        return _error_response(None, RPCError(INVALID_REQUEST, "invalid request"))
    request_id = request.get("id")
    params = request.get("params", [])
    if not isinstance(params, list):
        return _error_response(request_id, invalid("non-array args"))
    try:
        result = methods.dispatch(request["method"], params)
    except RPCError as error:
        return _error_response(request_id, error)
    except Exception as error:  # a bug or a py-evm surprise: report, keep serving
        return _error_response(request_id, RPCError(SERVER_ERROR, f"{type(error).__name__}: {error}"))
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def _error_response(request_id, error: RPCError) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.as_json()}


def _encode(response) -> bytes:
    return json.dumps(response, separators=(",", ":")).encode()
