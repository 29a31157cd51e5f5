"""The harness's own decisions that need no chain: the fault plan keeps a worker in the group,
the report marks what fails, the options refuse a plan that could not be judged."""

from collections import Counter

import pytest

from chaos_harness import options, report
from chaos_harness.faults import FaultLog, FaultPlan, Faults
from chaos_harness.verify import Problem, Verdict


class FakeProc:
    def __init__(self, assigned: bool) -> None:
        self.alive, self.assigned, self.killed = True, assigned, 0

    def running(self) -> bool:
        return self.alive

    def text(self) -> str:
        return "partitions assigned" if self.assigned else "starting"

    def kill9(self) -> None:
        self.alive, self.killed = False, self.killed + 1


class FakeStack:
    """Only what Faults._kill_one reads: the API and the workers as processes."""

    chain_url = "http://127.0.0.1:9"

    def __init__(self, workers: dict[int, FakeProc]) -> None:
        self.api = FakeProc(True)
        self.workers = workers

    def running_workers(self):
        return [n for n, w in self.workers.items() if w.running()]

    def members(self):
        return [n for n, w in self.workers.items() if w.running() and w.assigned]


def faults_for(stack, seed=1) -> Faults:
    plan = FaultPlan(seed=seed, kill_every=(1, 1), restart_after=(1, 1), reorg_every=None, reorg_depth=1,
                     reorg_drop_probability=0, node_restarts=0, node_downtime=(1, 1), expected_seconds=1)
    return Faults(stack, plan, len(stack.workers), say=lambda text: None)


@pytest.mark.parametrize("seed", range(20))
def test_a_worker_is_killed_only_while_another_is_in_the_group(seed):
    joining = FakeProc(assigned=False)          # restarted, not in the group yet
    stack = FakeStack({1: FakeProc(assigned=True), 2: joining})
    faults = faults_for(stack, seed)
    faults._kill_one()
    assert stack.workers[1].alive, "the only member of the group was killed"
    faults._kill_one()                           # the API is down already: nothing left to kill
    assert stack.workers[1].alive and stack.api.killed == 1
    assert (faults.log.kills_api, faults.log.kills_worker) == (1, sum(1 for w in stack.workers.values() if w.killed))


def test_kills_follow_the_seed():
    def targets(seed):
        stack = FakeStack({n: FakeProc(True) for n in (1, 2, 3)})
        faults = faults_for(stack, seed)
        chosen = []
        for _ in range(6):
            faults._kill_one()
            chosen.append(next(iter(faults._restart_due)))
            faults._restart_due.clear()
            stack.api.alive = True
            for worker in stack.workers.values():
                worker.alive = True
        return chosen

    assert targets(5) == targets(5)
    assert len({tuple(targets(seed)) for seed in range(10)}) > 1


def test_the_table_marks_each_count_that_must_be_zero():
    verdict = Verdict(posted=3, answered=3, mined_twice=1, statuses=Counter({"confirmed": 2, "broadcast": 1}))
    verdict.status_vs_chain = {"confirmed": Counter({"mined once": 2}), "broadcast": Counter({"not mined": 1})}
    verdict.add(Problem("mined twice", "one calldata mined 2 times", "", "0xabc"))
    text = report.table(verdict, FaultLog(), evictions=0, seconds=1, header="h")
    assert [line for line in text.splitlines() if "FAILS" in line] == \
        [line for line in text.splitlines() if line.startswith("calldata mined twice")]
    assert "broadcast       1   not mined 1" in text
    assert "mined twice: 1 x one calldata mined N times" in report.problems(verdict)
    assert not verdict.ok and Verdict().ok


def test_options_refuse_confirmations_a_reorg_can_undo():
    with pytest.raises(SystemExit):
        options.parse(["--reorg-depth", "3", "--confirmations", "3"])
    parsed = options.parse(["--reorg-depth", "4", "--kill-every", "2-3", "--seed", "9"])
    assert (parsed.confirmations, parsed.kill_every, parsed.seed) == (5, (2.0, 3.0), 9)
    assert options.parse(["--no-reorgs"]).reorg_every is None
