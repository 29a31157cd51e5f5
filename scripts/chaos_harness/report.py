"""The table a chaos run ends with, and the problems behind any count that must be 0."""

import re
from collections import defaultdict

from .faults import FaultLog
from .verify import EXAMPLES, Verdict


def _shape(reason: str) -> str:
    """A reason with its hashes and numbers blanked, so that alike problems group together."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"0x[0-9a-fA-F]+", "0x…", reason))


def table(verdict: Verdict, faults: FaultLog, evictions: int, seconds: float, header: str,
          proxy: dict | None = None) -> str:
    reorged = sum(r["depth"] for r in faults.reorgs)
    forgotten = sum(r["forgotten"] for r in faults.reorgs)
    pool_forgotten = sum(r["forgotten"] for r in faults.node_restarts)
    rows = [
        ("requests posted", verdict.posted, None),
        ("answered 200", verdict.answered, None),
        ("unanswered (no 200 by the deadline)", verdict.unanswered, None),
        ("  of them landed on chain (informational)", verdict.unanswered_landed, None),
        ("refused (4xx to a valid request)", verdict.refused, 0),
        ("200'd and mined exactly once", verdict.mined_once, None),
        ("confirmed, agreeing with the chain", verdict.confirmed_agreeing, None),
        ("reverted, agreeing with the chain", verdict.reverted_agreeing, None),
        ("failed, never mined, nonce taken by another", verdict.failed_never_mined, None),
        ("calldata mined twice", verdict.mined_twice, 0),
        ("status disagreements", verdict.disagreements, 0),
        ("failed but mined, or its nonce still open", verdict.failed_wrongly, 0),
        ("not final by the deadline", verdict.not_final, 0),
        ("200 but unknown to the API (404)", verdict.not_stored, 0),
        ("nonce gaps", verdict.nonce_gaps, 0),
        ("left in the node's pool", verdict.left_in_pool, 0),
        ("foreign transactions from the senders", verdict.foreign, 0),
        ("cancellations mined", verdict.cancellations, None),
        ("transactions mined from the senders", verdict.mined_of_senders, None),
        ("kills -9: workers / API", f"{faults.kills_worker} / {faults.kills_api}", None),
        ("restarts (failed starts retried)", f"{faults.restarts} ({faults.failed_restarts})", None),
        ("reorgs (blocks replaced, txs forgotten)", f"{len(faults.reorgs)} ({reorged}, {forgotten})", None),
        ("node restarts (pooled txs forgotten)", f"{len(faults.node_restarts)} ({pool_forgotten})", None),
        ("evictions from the node's pool", evictions, None),
        ("node calls via the proxy: all / silent (landed) / errors", _proxy_line(proxy or {}), None),
        ("duration", f"{seconds:.0f} s", None),
    ]
    width = max(len(name) for name, _, _ in rows)
    lines = [header, f"{'':{width}}  {'count':>12}  must be"]
    for name, value, must in rows:
        mark = "" if must is None else (f"{must}" if value == must else f"{must}   <-- FAILS")
        lines.append(f"{name:{width}}  {value!s:>12}  {mark}")
    lines.append("API status of the 200'd requests, and what the chain shows for them:")
    for status, count in verdict.statuses.most_common():
        facts = ", ".join(f"{fact} {n}" for fact, n in verdict.status_vs_chain.get(status, {}).most_common())
        lines.append(f"  {status:<10} {count:>6}   {facts}")
    if not verdict.statuses:
        lines.append("  none")
    return "\n".join(lines)


def _proxy_line(stats: dict) -> str:
    if not stats:
        return "?"
    silent = stats.get("silent_forwarded", 0) + stats.get("silent_dropped", 0)
    errors = sum(stats.get(kind, 0) for kind in ("http_502", "http_503", "rpc_internal_error", "rpc_timeout"))
    return f"{stats.get('requests', 0)} / {silent} ({stats.get('silent_forwarded', 0)}) / {errors}"


def problems(verdict: Verdict) -> str:
    if not verdict.problems:
        return ""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for problem in verdict.problems:
        groups[(problem.check, _shape(problem.reason))].append(problem)
    lines = ["", "What failed (grouped; the first examples of each):"]
    for (check, shape), members in sorted(groups.items(), key=lambda item: -len(item[1])):
        lines.append(f"- {check}: {len(members)} x {shape}")
        for problem in members[:EXAMPLES]:
            detail = f" [{problem.detail}]" if problem.detail else ""
            lines.append(f"    {problem.request}: {problem.reason}{detail}")
    return "\n".join(lines)
