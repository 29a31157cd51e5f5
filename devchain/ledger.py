"""The py-evm chain and an index of everything mined, kept as ready JSON.

Only the miner thread mutates the chain. Readers use `head_state` (the state after the
last mined block) under `state_lock`, so RPC answers never wait for a block being mined:
py-evm's database is content-addressed, so a block in progress never rewrites what an
older state root reads. `blocks` only grows in place; a reorg replaces the list, so a
reader that took it once sees one consistent chain.

Reorgs: py-evm keeps side chains and moves its canonical head to the heavier one (after
the merge, score grows with the block number), so a fork longer than the replaced blocks
takes over by itself; an equal or shorter one is made canonical explicitly.
"""

import os
import threading
from dataclasses import dataclass, field

import rlp
from eth.chains.base import MiningChain
from eth.constants import GENESIS_PARENT_HASH
from eth.db import get_db_backend
from eth.validation import validate_gas_limit
from eth_utils import ValidationError
from eth.vm.forks import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_tester.backends.pyevm.main import (
    generate_genesis_state_for_keys,
    get_default_account_keys,
    get_default_genesis_params,
)
from toolz import assoc

import serialize

DEV_ACCOUNT_COUNT = 10


@dataclass
class MinedBlock:
    number: int
    hash: bytes
    header_json: dict
    tx_hashes: list[bytes]
    base_fee: int
    gas_used: int
    gas_limit: int
    senders: list[bytes] = field(default_factory=list)
    tips: list[tuple[int, int]] = field(default_factory=list)   # (effective tip, gas used)


@dataclass
class Orphan:
    """A block a reorg took off the chain: still served by hash, as geth does."""
    block: MinedBlock
    transactions: list[dict]


@dataclass
class Reorg:
    old_head: MinedBlock
    new_head: MinedBlock
    removed: list[tuple[object, bytes]]     # (py-evm transaction, sender) in chain order


class DevVM(PragueVM):
    @classmethod
    def validate_gas(cls, header, parent_header) -> None:
        # dev_setBaseFee pins the base fee, breaking EIP-1559's rule on purpose. Every header
        # is built here from its parent, so only the gas limit is left to check.
        validate_gas_limit(header.gas_limit, parent_header.gas_limit)


def _make_chain(chain_id: int) -> MiningChain:
    class DevChain(MiningChain):
        vm_configuration = ((0, DevVM),)

        def create_header_from_parent(self, parent_header, **header_params):
            # A fixed gas limit, like eth-tester's chain.
            return super().create_header_from_parent(
                parent_header, **assoc(header_params, "gas_limit", parent_header.gas_limit)
            )

    DevChain.chain_id = chain_id
    keys = get_default_account_keys(quantity=DEV_ACCOUNT_COUNT)
    return DevChain.from_genesis(
        get_db_backend(), get_default_genesis_params(), generate_genesis_state_for_keys(keys)
    )


class Ledger:
    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self.chain = _make_chain(chain_id)
        self.state_lock = threading.Lock()
        self.blocks: list[MinedBlock] = []
        self.block_numbers: dict[bytes, int] = {}
        self.transactions: dict[bytes, dict] = {}   # hash -> transaction JSON (canonical only)
        self.receipts: dict[bytes, dict] = {}       # hash -> receipt JSON (canonical only)
        self.orphans: dict[bytes, Orphan] = {}
        self.base_fee_override: int | None = None
        genesis = self.chain.get_canonical_block_by_number(0)
        self._head_state = self.chain.get_vm(genesis.header).state
        self.blocks = [self._record(genesis, [], [])[0]]
        self.block_numbers[genesis.hash] = 0

    # Reading state -----------------------------------------------------------------------

    @property
    def head(self) -> MinedBlock:
        return self.blocks[-1]

    def block(self, number: int) -> MinedBlock | None:
        blocks = self.blocks
        return blocks[number] if 0 <= number < len(blocks) else None

    @property
    def gas_limit(self) -> int:
        return self.head.gas_limit

    @property
    def next_base_fee(self) -> int:
        return self.chain.header.base_fee_per_gas

    def header(self, number: int):
        return self.chain.get_canonical_block_header_by_number(number)

    def state_at(self, number: int | None):
        """The state after block `number` (None: the head). Call under state_lock."""
        if number is None or number == self.head.number:
            return self._head_state
        return self.chain.get_vm(self.header(number)).state

    def nonce(self, account: bytes, number: int | None = None) -> int:
        with self.state_lock:
            return self.state_at(number).get_nonce(account)

    def balance(self, account: bytes, number: int | None = None) -> int:
        with self.state_lock:
            return self.state_at(number).get_balance(account)

    def code(self, account: bytes, number: int | None = None) -> bytes:
        with self.state_lock:
            return self.state_at(number).get_code(account)

    def builder(self):
        return self.chain.get_vm().get_transaction_builder()

    def _spoof(self, call: dict, vm, state):
        sender = call.get("from") or b"\x00" * 20
        fields = dict(
            nonce=state.get_nonce(sender),
            gas=call.get("gas", self.gas_limit),
            to=call.get("to") or b"",
            value=call.get("value", 0),
            data=call.get("data", b""),
        )
        builder = vm.get_transaction_builder()
        if "maxFeePerGas" in call or "maxPriorityFeePerGas" in call:
            tx = builder.new_unsigned_dynamic_fee_transaction(
                chain_id=self.chain_id,
                max_priority_fee_per_gas=call.get("maxPriorityFeePerGas", 0),
                max_fee_per_gas=call.get("maxFeePerGas", 0),
                access_list=(),
                **fields,
            )
        else:
            tx = builder.create_unsigned_transaction(gas_price=call.get("gasPrice", 0), **fields)
        return SpoofTransaction(tx, from_=sender)

    def call(self, call: dict, number: int | None = None):
        """Runs a call on top of block `number` without fees; returns the computation."""
        with self.state_lock:
            vm = self.chain.get_vm(self.header(self.head.number if number is None else number))
            with vm.in_costless_state() as state:
                return state.apply_transaction(self._spoof(call, vm, state))

    def estimate_gas(self, call: dict, number: int | None = None) -> int:
        with self.state_lock:
            header = self.header(self.head.number if number is None else number)
            vm = self.chain.get_vm(header)
            with vm.in_costless_state() as state:
                estimate = self.chain.gas_estimator(state, self._spoof(call, vm, state))
        # py-evm's estimator predates EIP-7623, whose calldata floor the pool enforces; a
        # real node's estimate covers it, so callers can use the estimate as the gas limit.
        return max(estimate, calldata_floor(call.get("data", b"")))

    # Mining (miner thread only) --------------------------------------------------------

    def set_base_fee(self, base_fee: int | None) -> None:
        """Pins the base fee of every next block (None: EIP-1559 from the parent again)."""
        self.base_fee_override = base_fee
        self.chain.header = self._next_header(self.chain.get_block_header_by_hash(self.head.hash))

    def _next_header(self, parent):
        header = self.chain.create_header_from_parent(parent)
        if self.base_fee_override is not None:
            header = header.copy(base_fee_per_gas=self.base_fee_override)
        return header

    def mine(self, candidates) -> tuple[MinedBlock, list, list]:
        """Mines one block on the head from `candidates` (PoolTx in inclusion order).

        Returns (block, included entries, [(entry, reason)] that failed validation and
        were left out). A failed sender's later nonces are skipped too.
        """
        block, receipts, included, failed = self._seal(self.chain.header, candidates)
        self.chain.header = self._next_header(block.header)
        mined, transactions, receipts_json = self._record(block, receipts, [e.sender for e in included])
        new_state = self.chain.get_vm(block.header).state
        # State and block first, receipts last: whoever sees a receipt can read its block and
        # the state after it. Each dict.update is one step for readers: all or none.
        with self.state_lock:
            self._head_state = new_state
        self.block_numbers[block.hash] = mined.number
        self.blocks.append(mined)
        self.transactions.update(transactions)
        self.receipts.update(receipts_json)
        return mined, included, failed

    def _seal(self, header, candidates):
        """Executes `candidates` on `header` (a child of some block) and persists the block."""
        vm = self.chain.get_vm(header)
        included, receipts, failed, failed_senders = [], [], [], set()
        for entry in candidates:
            if entry.sender in failed_senders:
                continue
            snapshot = vm.state.snapshot()
            try:
                receipt, _ = vm.apply_transaction(header, entry.tx)
            except ValidationError as error:
                vm.state.revert(snapshot)
                failed.append((entry, str(error)))
                failed_senders.add(entry.sender)
                continue
            header = vm.add_receipt_to_header(header, receipt)
            header = vm.increment_blob_gas_used(header, entry.tx)
            included.append(entry)
            receipts.append(receipt)
        block = vm.set_block_transactions_and_withdrawals(
            vm.get_block(), header, [entry.tx for entry in included], receipts
        )
        block = vm.mine_block(block, mix_hash=os.urandom(32)).block
        self.chain.persist_block(block)
        return block, receipts, included, failed

    def reorg(self, depth: int, length: int) -> Reorg:
        """Replaces the last `depth` blocks by `length` new empty ones (a competing fork that
        did not carry our transactions). Their receipts and transactions leave the index;
        the caller decides what becomes of the transactions."""
        blocks = self.blocks
        if not 1 <= depth < len(blocks):
            raise ValueError(f"reorg depth must be 1 to {len(blocks) - 1} (the blocks above genesis)")
        if length < 1:
            raise ValueError("a reorg needs at least one new block")
        removed_blocks = blocks[-depth:]
        removed = []
        for mined in removed_blocks:
            transactions = self.chain.get_block_by_hash(mined.hash).transactions
            removed.extend(zip(transactions, mined.senders))
        parent = self.chain.get_block_header_by_hash(blocks[-depth - 1].hash)
        fork = []
        for _ in range(length):
            block, _, _, _ = self._seal(self._next_header(parent), [])
            fork.append(block)
            parent = block.header
        if self.chain.get_canonical_head().hash != parent.hash:
            chaindb = self.chain.chaindb
            chaindb._set_as_canonical_chain_head(chaindb.db, parent, GENESIS_PARENT_HASH)
        self.chain.header = self._next_header(parent)
        # Receipts go first: whoever still finds a receipt can read its (old) block.
        for mined in removed_blocks:
            orphan = Orphan(mined, [self.transactions[h] for h in mined.tx_hashes])
            for tx_hash in mined.tx_hashes:
                self.receipts.pop(tx_hash, None)
                self.transactions.pop(tx_hash, None)
            self.orphans[mined.hash] = orphan
            self.block_numbers.pop(mined.hash, None)
        new_blocks = [self._record(block, [], [])[0] for block in fork]   # empty: no receipts
        new_state = self.chain.get_vm(parent).state
        with self.state_lock:
            self._head_state = new_state
        for mined in new_blocks:
            self.block_numbers[mined.hash] = mined.number
        self.blocks = blocks[:-depth] + new_blocks
        return Reorg(removed_blocks[-1], new_blocks[-1], removed)

    def _record(self, block, receipts, senders) -> tuple[MinedBlock, dict, dict]:
        """A mined block's record and the JSON of its transactions and receipts, by hash,
        for the caller to publish."""
        base_fee = block.header.base_fee_per_gas
        mined = MinedBlock(
            number=block.header.block_number,
            hash=block.hash,
            header_json=serialize.block_header(block, len(rlp.encode(block))),
            tx_hashes=[tx.hash for tx in block.transactions],
            base_fee=base_fee,
            gas_used=block.header.gas_used,
            gas_limit=block.header.gas_limit,
            senders=list(senders),
        )
        transactions, receipts_json = {}, {}
        previous_cumulative, log_offset = 0, 0
        for index, (tx, receipt, sender) in enumerate(zip(block.transactions, receipts, senders)):
            gas_used = receipt.gas_used - previous_cumulative
            previous_cumulative = receipt.gas_used
            transactions[tx.hash] = serialize.transaction(tx, sender, block, index)
            receipts_json[tx.hash] = serialize.receipt(
                tx, sender, block, index, receipt, gas_used, log_offset
            )
            log_offset += len(receipt.logs)
            mined.tips.append((serialize.effective_gas_price(tx, base_fee) - base_fee, gas_used))
        return mined, transactions, receipts_json


def calldata_floor(data: bytes) -> int:
    """EIP-7623's minimum gas for a transaction carrying `data`."""
    zeros = data.count(0)
    return 21000 + 10 * (zeros + 4 * (len(data) - zeros))
