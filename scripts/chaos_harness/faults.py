"""The chaos: kill -9 of the API and workers at random times and their restart after a short
delay, reorgs of the last blocks and node restarts that forget the pool, all drawn from
seeded generators (one per kind, so changing one rate leaves the other draws alone).

At least one worker always stays in the consumer group (running and assigned since its last
start): when every member of a group is gone and the group comes back, Tansu assigns no
partitions for about two minutes (shared/ENVIRONMENT.md), which would turn the run into a
wait. With --workers 1 only the API is killed.
Tansu and the chain are never killed; the node "restarts" through `dev_restart`.
"""

import http.client
import random
import threading
import time
from dataclasses import dataclass, field

from .rpc import ChainClient, RPCError, quantity
from .stack import Stack, StackError


@dataclass
class FaultPlan:
    seed: int
    kill_every: tuple[float, float]        # seconds between kills
    restart_after: tuple[float, float]     # seconds from a kill to the restart
    reorg_every: tuple[float, float] | None
    reorg_depth: int
    reorg_drop_probability: float          # a reorg forgets its blocks' transactions instead of re-pooling them
    node_restarts: int
    node_downtime: tuple[float, float]
    expected_seconds: float                # how long the load should take: node restarts fall within it


@dataclass
class FaultLog:
    kills_api: int = 0
    kills_worker: int = 0
    restarts: int = 0
    failed_restarts: int = 0
    reorgs: list[dict] = field(default_factory=list)
    node_restarts: list[dict] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    last_reorg_at: float | None = None     # time.monotonic() of the last reorg


class Faults(threading.Thread):
    def __init__(self, stack: Stack, plan: FaultPlan, worker_count: int, say) -> None:
        super().__init__(name="faults", daemon=True)
        self.stack = stack
        self.plan = plan
        self.worker_count = worker_count
        self.say = say
        self.log = FaultLog()
        self._halt = threading.Event()
        self._kills = random.Random(f"{plan.seed}/kills")
        self._reorgs = random.Random(f"{plan.seed}/reorgs")
        self._node = random.Random(f"{plan.seed}/node")
        self._chain = ChainClient(stack.chain_url, timeout=30)
        self._restart_due: dict[str, float] = {}   # "api" or "worker-N" -> when
        self._began = time.monotonic()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=120)

    def _note(self, text: str) -> None:
        stamp = f"{time.monotonic() - self._began:7.1f}s"
        self.log.events.append(f"{stamp} {text}")
        self.say(f"chaos: {text}")

    def run(self) -> None:
        now = time.monotonic()
        next_kill = now + self._kills.uniform(*self.plan.kill_every)
        next_reorg = now + self._reorgs.uniform(*self.plan.reorg_every) if self.plan.reorg_every else None
        node_times = sorted(now + self._node.uniform(0.1, 0.9) * self.plan.expected_seconds
                            for _ in range(self.plan.node_restarts))
        while not self._halt.wait(0.1):
            now = time.monotonic()
            for target, due in sorted(self._restart_due.items()):
                if now >= due:
                    self._restart(target)
            if now >= next_kill:
                self._kill_one()
                next_kill = now + self._kills.uniform(*self.plan.kill_every)
            if next_reorg is not None and now >= next_reorg:
                self._reorg()
                next_reorg = now + self._reorgs.uniform(*self.plan.reorg_every)
            if node_times and now >= node_times[0]:
                node_times.pop(0)
                self._node_restart()
        self._chain.close()

    def _kill_one(self) -> None:
        # A worker may die only while another one is in the group: a restarted worker that has
        # not joined yet does not count, or the group could be left with no member at all.
        members = self.stack.members()
        candidates = [f"worker-{n}" for n in self.stack.running_workers() if set(members) - {n}]
        if "api" not in self._restart_due:
            candidates.append("api")
        if not candidates:
            return
        target = self._kills.choice(sorted(candidates))
        delay = self._kills.uniform(*self.plan.restart_after)
        if target == "api":
            self.stack.api.kill9()
            self.log.kills_api += 1
        else:
            self.stack.workers[int(target.split("-")[1])].kill9()
            self.log.kills_worker += 1
        self._restart_due[target] = time.monotonic() + delay
        self._note(f"kill -9 {target}, restart in {delay:.1f} s")

    def _restart(self, target: str) -> None:
        try:
            if target == "api":
                self.stack.start_api()
            else:
                self.stack.start_worker(int(target.split("-")[1]), wait_assigned=False)
            self.log.restarts += 1
            del self._restart_due[target]
            self._note(f"{target} restarted")
        except StackError as error:
            self.log.failed_restarts += 1
            self._restart_due[target] = time.monotonic() + 2
            self._note(f"{target} did not start, trying again in 2 s: {error}")

    def restart_everything(self) -> None:
        """After stop(): whatever is still down comes back, the workers waited for in the group."""
        for target in sorted(self._restart_due):
            self._restart(target)
        for number in range(1, self.worker_count + 1):
            worker = self.stack.workers.get(number)
            if worker is None or not worker.running():
                self.stack.start_worker(number, wait_assigned=False)
        if self.stack.api is None or not self.stack.api.running():
            self.stack.start_api()

    def _reorg(self) -> None:
        depth = self._reorgs.randint(1, self.plan.reorg_depth)
        drop = self._reorgs.random() < self.plan.reorg_drop_probability
        try:
            result = self._chain.call("dev_reorg", {"depth": depth, "dropTransactions": drop})
        except (RPCError, OSError, http.client.HTTPException) as error:
            self._note(f"reorg of depth {depth} refused: {error}")
            return
        entry = {"depth": depth, "dropped": drop, "old_head": quantity(result["oldHead"]["number"]),
                 "new_head": quantity(result["newHead"]["number"]), "reinjected": len(result["reinjected"]),
                 "forgotten": len(result["forgotten"])}
        self.log.reorgs.append(entry)
        self.log.last_reorg_at = time.monotonic()
        self._note(f"reorg of the last {depth} blocks at #{entry['old_head']}: {entry['reinjected']} transactions "
                   f"back to the pool, {entry['forgotten']} forgotten")

    def _node_restart(self) -> None:
        downtime = round(self._node.uniform(*self.plan.node_downtime), 2)
        try:
            result = self._chain.call("dev_restart", {"downtime": downtime})
        except (RPCError, OSError, http.client.HTTPException) as error:
            self._note(f"node restart refused: {error}")
            return
        forgotten = quantity(result["forgotten"])
        self.log.node_restarts.append({"downtime": downtime, "forgotten": forgotten})
        self._note(f"node restart: pool of {forgotten} forgotten, down {downtime} s")
