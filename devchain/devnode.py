"""The node: admission rules of geth's txpool, queries over pool and chain, and the dev
commands (mine, reorg, restart, evict, base fee) that tests use to make the chain misbehave."""

import logging
import threading
import time
from dataclasses import dataclass

import serialize
from ledger import Ledger, calldata_floor
from mempool import Mempool, PoolLimits, PoolTx, TxRejected
from miner import Miner

log = logging.getLogger("devchain")

MAX_TX_SIZE = 128 * 1024          # geth txpool txMaxSize
MAX_INITCODE_SIZE = 2 * 24576     # EIP-3860
SUPPORTED_TYPES = (0, 1, 2)


def intrinsic_gas(tx) -> tuple[int, int]:
    """(intrinsic gas, EIP-7623 calldata floor) of a Prague transaction."""
    payload = bytes(tx.data)
    zeros = payload.count(0)
    nonzeros = len(payload) - zeros
    gas = 21000 + 4 * zeros + 16 * nonzeros
    if not tx.to:
        gas += 32000 + 2 * ((len(payload) + 31) // 32)
    for _, keys in getattr(tx, "access_list", ()):
        gas += 2400 + 1900 * len(keys)
    return gas, calldata_floor(payload)


@dataclass(frozen=True)
class Chaos:
    """Misbehaviour switched on for chaos runs; every draw comes from one RNG seeded by `seed`."""
    seed: int | None = None
    evict_probability: float = 0.0      # per pooled transaction, after every block
    reorg_every: int = 0                # blocks between automatic reorgs; 0: never
    reorg_depth: int = 1                # automatic reorgs replace 1 to this many blocks
    reorg_drop_probability: float = 0.0  # per transaction of a replaced block: forgotten, not re-pooled


class DevNode:
    def __init__(self, chain_id: int, block_time: float, limits: PoolLimits = PoolLimits(),
                 chaos: Chaos = Chaos()) -> None:
        self.ledger = Ledger(chain_id)
        self.block_time = block_time
        self.pool = Mempool(limits)
        self.pool_lock = threading.Condition()
        self.chaos = chaos
        self._down_until = 0.0
        self.miner = Miner(self, chaos)

    @property
    def chain_id(self) -> int:
        return self.ledger.chain_id

    def start(self) -> None:
        self.miner.start()

    def stop(self) -> None:
        self.miner.stop()

    # Admission ---------------------------------------------------------------------------

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Validates like geth's txpool and adds to the pool; returns the hash."""
        if len(raw) > MAX_TX_SIZE:
            raise TxRejected("oversized data")
        tx = self._decode(raw)
        with self.pool_lock:
            if self.pool.get(tx.hash) is not None or tx.hash in self.ledger.transactions:
                raise TxRejected("already known")
            self._check_stateless(tx)
            self.admit(tx, self._sender(tx), len(raw))
            if self.block_time == 0:    # the miner waits for executable transactions
                self.pool_lock.notify_all()
        return tx.hash

    def admit(self, tx, sender: bytes, size: int) -> None:
        """The checks against the head state, then the pool's own rules. Under pool_lock."""
        state_nonce = self.ledger.nonce(sender)
        if tx.nonce < state_nonce:
            raise TxRejected(f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}")
        cost = PoolTx(tx, sender, 0).cost
        balance = self.ledger.balance(sender)
        if balance < cost:
            raise TxRejected(
                "insufficient funds for gas * price + value: "
                f"address 0x{sender.hex()} have {balance} want {cost}"
            )
        # geth: the sender's pooled transactions together must stay within the balance.
        spent, replaced = self.pool.spent(sender), self.pool.cost_at(sender, tx.nonce)
        if replaced is not None and balance < spent + cost - replaced:
            raise TxRejected(
                f"insufficient funds for gas * price + value: balance {balance}, queued cost {spent}, "
                f"tx bumped {cost - replaced}, overshot {spent + cost - replaced - balance}")
        if replaced is None and balance < spent + cost:
            raise TxRejected(
                f"transaction would cause overdraft: balance {balance}, queued cost {spent}, "
                f"overshot {spent + cost - balance}")
        _, evicted = self.pool.add(tx, sender, state_nonce, self.ledger.next_base_fee, size)
        evicted.log(log)

    def _decode(self, raw: bytes):
        if raw and raw[0] <= 0x7F and raw[0] not in SUPPORTED_TYPES:
            raise TxRejected("transaction type not supported")
        try:
            return self.ledger.builder().decode(raw)
        except Exception as error:  # py-evm raises many kinds for malformed RLP
            raise TxRejected(f"rlp: {error}") from None

    def _check_stateless(self, tx) -> None:
        if not tx.to and len(tx.data) > MAX_INITCODE_SIZE:
            raise TxRejected(
                f"max initcode size exceeded: code size {len(tx.data)} limit {MAX_INITCODE_SIZE}"
            )
        if tx.gas > self.ledger.gas_limit:
            raise TxRejected("exceeds block gas limit")
        if tx.chain_id is None:
            raise TxRejected(
                "invalid chain id: only replay-protected (EIP-155) transactions allowed over RPC"
            )
        if tx.chain_id != self.chain_id:
            raise TxRejected(
                f"invalid chain id for signer: have {tx.chain_id} want {self.chain_id}"
            )
        if getattr(tx, "type_id", None) == 2 and tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise TxRejected(
                "max priority fee per gas higher than max fee per gas: "
                f"maxPriorityFeePerGas: {tx.max_priority_fee_per_gas}, "
                f"maxFeePerGas: {tx.max_fee_per_gas}"
            )
        gas, floor = intrinsic_gas(tx)
        if tx.gas < gas:
            raise TxRejected(f"intrinsic gas too low: gas {tx.gas}, minimum needed {gas}")
        if tx.gas < floor:
            raise TxRejected(
                f"insufficient gas for floor data gas cost: gas {tx.gas}, minimum needed {floor}"
            )

    @staticmethod
    def _sender(tx) -> bytes:
        try:
            tx.check_signature_validity()
            return tx.sender
        except Exception:
            raise TxRejected("invalid sender") from None

    # Queries that combine pool and chain ---------------------------------------------------

    def pending_nonce(self, account: bytes) -> int:
        with self.pool_lock:
            return self.pool.pending_nonce(account, self.ledger.nonce(account))

    def transaction(self, tx_hash: bytes) -> dict | None:
        mined = self.ledger.transactions.get(tx_hash)
        if mined is not None:
            return mined
        with self.pool_lock:
            entry = self.pool.get(tx_hash)
        if entry is None:
            return None
        return serialize.transaction(entry.tx, entry.sender)

    def pool_counts(self) -> tuple[int, int]:
        with self.pool_lock:
            return self.pool.counts()

    def pool_content(self) -> tuple[dict, dict]:
        """({sender: [pending PoolTx]}, {sender: [queued PoolTx]}), as txpool_content groups them."""
        with self.pool_lock:
            split = {sender: self.pool.split(sender) for sender in self.pool.senders()}
        return ({s: p for s, (p, _) in split.items() if p}, {s: q for s, (_, q) in split.items() if q})

    def is_down(self) -> bool:
        """True during the downtime of a restart: the node answers nothing."""
        return time.monotonic() < self._down_until

    # Dev commands ----------------------------------------------------------------------

    def drop_transaction(self, tx_hash: bytes) -> bool:
        """Evicts one pooled transaction, as a full pool or a lifetime would."""
        with self.pool_lock:
            entry = self.pool.remove(tx_hash)
        if entry is not None:
            log.info("evicted 0x%s on command", tx_hash.hex())
        return entry is not None

    def restart(self, downtime: float = 0.0) -> int:
        """A restart without a journal: mined blocks stay, the pool is forgotten, and for
        `downtime` seconds every call is cut off unanswered. Returns how many were forgotten."""
        with self.pool_lock:
            forgotten = self.pool.clear()
            self._down_until = time.monotonic() + downtime
        log.info("restart: %d pooled transactions forgotten, down for %.3g s", forgotten, downtime)
        return forgotten

    def mine_blocks(self, count: int) -> list:
        """Mines `count` blocks now from the pool, whatever the block time."""
        return self.miner.run(lambda: [self.miner.mine_next() for _ in range(count)])

    def reorg(self, depth: int, length: int, drop_probability: float) -> dict:
        return self.miner.run(lambda: self.miner.reorg(depth, length, drop_probability))

    def set_base_fee(self, base_fee: int | None) -> None:
        self.miner.run(lambda: self.ledger.set_base_fee(base_fee))
        log.info("base fee %s", "follows EIP-1559" if base_fee is None else f"pinned at {base_fee}")
