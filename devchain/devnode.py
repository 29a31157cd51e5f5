"""The node: admission rules of geth's txpool, the pool, and the miner thread."""

import logging
import threading
import time

import serialize
from ledger import Ledger, calldata_floor
from mempool import Mempool, PoolTx, TxRejected

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


class DevNode:
    def __init__(self, chain_id: int, block_time: float) -> None:
        self.ledger = Ledger(chain_id)
        self.block_time = block_time
        self.pool = Mempool()
        self.pool_lock = threading.Condition()
        self._stopping = threading.Event()
        self._miner = threading.Thread(target=self._mine_loop, name="miner", daemon=True)

    @property
    def chain_id(self) -> int:
        return self.ledger.chain_id

    def start(self) -> None:
        self._miner.start()

    def stop(self) -> None:
        self._stopping.set()
        with self.pool_lock:
            self.pool_lock.notify_all()
        self._miner.join(timeout=10)

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
            sender = self._sender(tx)
            state_nonce = self.ledger.nonce(sender)
            if tx.nonce < state_nonce:
                raise TxRejected(f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}")
            entry = PoolTx(tx, sender, 0)
            balance = self.ledger.balance(sender)
            if balance < entry.cost:
                raise TxRejected(
                    "insufficient funds for gas * price + value: "
                    f"address 0x{sender.hex()} have {balance} want {entry.cost}"
                )
            self.pool.add(tx, sender)
            self.pool_lock.notify_all()
        return tx.hash

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
            return self.pool.counts(self.ledger.nonce)

    # Mining ----------------------------------------------------------------------------

    def _mine_loop(self) -> None:
        next_block = time.monotonic() + self.block_time
        while not self._stopping.is_set():
            with self.pool_lock:
                if self.block_time > 0:
                    self.pool_lock.wait(timeout=max(0.0, next_block - time.monotonic()))
                    if time.monotonic() < next_block:
                        continue
                    next_block = max(next_block + self.block_time, time.monotonic())
                    candidates = self._select()
                else:
                    candidates = self._select()
                    if not candidates:
                        self.pool_lock.wait(timeout=0.5)
                        continue
            if self._stopping.is_set():
                return
            try:
                self._mine(candidates)
            except Exception:
                log.exception("mining failed; the pool is kept and mining retries")
                time.sleep(0.1)

    def _select(self) -> list[PoolTx]:
        """Executable transactions for the next block: nonce order per sender, best tip
        across senders, fee cap at least the base fee, sum of gas within the gas limit."""
        base_fee = self.ledger.next_base_fee
        runs = self.pool.executable(self.ledger.nonce)
        heads = {id(run): 0 for run in runs}
        budget = self.ledger.gas_limit
        chosen = []
        live = list(runs)
        while live:
            live = [run for run in live if heads[id(run)] < len(run)
                    and run[heads[id(run)]].fee_cap >= base_fee
                    and run[heads[id(run)]].tx.gas <= budget]
            if not live:
                break
            best = max(live, key=lambda run: (run[heads[id(run)]].effective_tip(base_fee),
                                              -run[heads[id(run)]].arrival))
            entry = best[heads[id(best)]]
            chosen.append(entry)
            budget -= entry.tx.gas
            heads[id(best)] += 1
        return chosen

    def _mine(self, candidates: list[PoolTx]) -> None:
        started = time.monotonic()
        block, included, failed = self.ledger.mine(candidates)
        with self.pool_lock:
            for entry, reason in failed:
                log.info("dropped 0x%s at execution: %s", entry.hash.hex(), reason)
                self.pool.drop(entry)
            for sender in {entry.sender for entry in included}:
                self.pool.prune(sender, self.ledger.nonce(sender))
        if included or failed:
            log.info("block %d: %d txs, %d dropped, base fee %d, %.0f ms",
                     block.number, len(included), len(failed), block.base_fee,
                     (time.monotonic() - started) * 1000)
