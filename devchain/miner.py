"""The miner thread, the chain's only writer: blocks on time or on demand, dev commands,
lifetimes, and the chaos of a real network (random evictions, automatic reorgs)."""

import logging
import random
import threading
import time
from collections import deque
from concurrent.futures import Future

from mempool import PoolTx, TxRejected

log = logging.getLogger("devchain")

MAX_REINJECT_DEPTH = 64           # geth skips re-injecting the transactions of deeper reorgs
HOUSEKEEPING_SECONDS = 0.25       # how often queued lifetimes are checked (geth: every minute)
COMMAND_TIMEOUT = 120.0


class Miner:
    def __init__(self, node, chaos) -> None:
        self.node = node
        self.chaos = chaos
        self._rng = random.Random(chaos.seed)
        self._commands: deque[tuple[object, Future]] = deque()
        self._blocks_since_reorg = 0
        self._last_housekeeping = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="miner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self.node.pool_lock:
            self.node.pool_lock.notify_all()
        self._thread.join(timeout=10)

    def run(self, work):
        """Runs `work` on the miner thread, the chain's only writer, and returns its result."""
        future: Future = Future()
        with self.node.pool_lock:
            self._commands.append((work, future))
            self.node.pool_lock.notify_all()
        return future.result(timeout=COMMAND_TIMEOUT)

    @staticmethod
    def _run_command(work, future: Future) -> None:
        try:
            future.set_result(work())
        except Exception as error:
            future.set_exception(error)

    # Mining ----------------------------------------------------------------------------

    def _loop(self) -> None:
        # One lock round per wake-up: admissions hold the same lock, and every extra hand-over
        # costs them a GIL switch.
        next_block = time.monotonic() + self.node.block_time
        while not self._stopping.is_set():
            self._housekeeping()
            command, candidates = None, None
            with self.node.pool_lock:
                now = time.monotonic()
                if self._commands:
                    command = self._commands.popleft()
                elif self.node.block_time > 0:
                    if now < next_block:
                        self.node.pool_lock.wait(timeout=min(next_block - now, HOUSEKEEPING_SECONDS))
                        continue
                    next_block = max(next_block + self.node.block_time, now)
                    candidates = self._select()
                else:
                    candidates = self._select()
                    if not candidates:
                        self.node.pool_lock.wait(timeout=HOUSEKEEPING_SECONDS)
                        continue
            if self._stopping.is_set():
                return
            if command is not None:
                self._run_command(*command)
                continue
            try:
                self._mine(candidates)
            except Exception:
                log.exception("mining failed; the pool is kept and mining retries")
                time.sleep(0.1)

    def mine_next(self):
        with self.node.pool_lock:
            candidates = self._select()
        return self._mine(candidates)

    def _select(self) -> list[PoolTx]:
        """Executable transactions for the next block: nonce order per sender, best tip
        across senders, fee cap at least the base fee, sum of gas within the gas limit."""
        base_fee = self.node.ledger.next_base_fee
        runs = self.node.pool.executable()
        heads = {id(run): 0 for run in runs}
        budget = self.node.ledger.gas_limit
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

    def _mine(self, candidates: list[PoolTx]):
        started = time.monotonic()
        block, included, failed = self.node.ledger.mine(candidates)
        with self.node.pool_lock:
            for entry, reason in failed:
                log.info("dropped 0x%s at execution: %s", entry.hash.hex(), reason)
                self.node.pool.drop(entry)
            for sender in {entry.sender for entry in included}:
                self.node.pool.set_state_nonce(sender, self.node.ledger.nonce(sender))
        if included or failed:
            log.info("block %d: %d txs, %d dropped, base fee %d, %.0f ms",
                     block.number, len(included), len(failed), block.base_fee,
                     (time.monotonic() - started) * 1000)
        self._after_block()
        return block

    def _after_block(self) -> None:
        """Chaos after every block: random evictions, then maybe an automatic reorg."""
        chaos = self.chaos
        if chaos.evict_probability > 0:
            with self.node.pool_lock:
                evicted = self.node.pool.evict_random(self._rng, chaos.evict_probability)
            for entry in evicted:
                log.info("evicted 0x%s at random", entry.hash.hex())
        if chaos.reorg_every > 0:
            self._blocks_since_reorg += 1
            if self._blocks_since_reorg >= chaos.reorg_every:
                self._blocks_since_reorg = 0
                depth = self._rng.randint(1, max(1, min(chaos.reorg_depth, self.node.ledger.head.number)))
                self.reorg(depth, depth + 1, chaos.reorg_drop_probability)

    def reorg(self, depth: int, length: int, drop_probability: float) -> dict:
        """Replaces the last `depth` blocks by `length` empty ones. Their transactions go back
        to the pool (geth re-injects them) unless forgotten: all with drop probability 1,
        each with that probability, or all after a reorg deeper than geth re-injects."""
        with self.node.pool_lock:
            reorg = self.node.ledger.reorg(depth, length)
            for sender in self.node.pool.senders():
                self.node.pool.set_state_nonce(sender, self.node.ledger.nonce(sender))
            reinjected, forgotten = [], []
            for tx, sender in reorg.removed:
                if depth > MAX_REINJECT_DEPTH or drop_probability >= 1 or (
                        drop_probability > 0 and self._rng.random() < drop_probability):
                    forgotten.append(tx.hash)
                    continue
                try:
                    self.node.admit(tx, sender, len(tx.encode()))
                    reinjected.append(tx.hash)
                except TxRejected as error:
                    log.info("reorg: 0x%s not re-pooled: %s", tx.hash.hex(), error)
                    forgotten.append(tx.hash)
            self.node.pool.enforce_limits().log(log)
            self.node.pool_lock.notify_all()
        log.info("reorg: blocks %d-%d replaced by %d (head #%d 0x%s -> #%d 0x%s), "
                 "%d transactions re-pooled, %d forgotten",
                 reorg.old_head.number - depth + 1, reorg.old_head.number, length,
                 reorg.old_head.number, reorg.old_head.hash.hex(), reorg.new_head.number,
                 reorg.new_head.hash.hex(), len(reinjected), len(forgotten))
        return {"oldHead": reorg.old_head, "newHead": reorg.new_head,
                "reinjected": reinjected, "forgotten": forgotten}

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = now
        with self.node.pool_lock:
            expired = self.node.pool.evict_expired()
        for entry in expired:
            log.info("evicted 0x%s: queued longer than the pool lifetime", entry.hash.hex())
