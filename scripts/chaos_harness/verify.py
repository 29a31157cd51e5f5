"""The checks: what the chain holds against what the load was promised and what the API says.

`judge` is a pure function of the posted requests, the API's final answers and a
`ChainState` read from the node (chain_view.py); it never looks at the status store. Each
check of issue 7 is a field of `Verdict`:

1. every 200'd request the API calls `confirmed`/`reverted` has exactly one mined transaction
   with its calldata, from its sender to the contract, whose receipt agrees (success/failure),
   at the nonce, hash, block and block hash the API reports, at least `confirmations` deep;
2. no calldata is mined twice (across every request, answered or not);
3. each sender's mined nonces are exactly 0..k-1, its count at the head is k, no 200'd request
   holds a nonce at or beyond k (the API's nonces: one there means the line has a hole), and
   nothing of it is left in the node's pool (a transaction queued behind a gap is stuck);
4. every `failed` request has no mined transaction with its calldata, and its nonce is taken
   by another transaction (a cancellation or another request), so it can never land;
5. no 200'd request is unknown to the API or in a non-final status at the end;
6. (informational) how many unanswered requests landed anyway.
"""

from collections import Counter
from dataclasses import dataclass, field

from .chain_view import ChainState, MinedTx
from .posted import ANSWERED, REFUSED, UNANSWERED, Posted

FINAL_ON_CHAIN = {"confirmed": True, "reverted": False}   # status -> receipt succeeded
FAILED = "failed"
NOT_FINAL = {"accepted", "signed", "retrying", "unknown", "submitted", "replaced", "mined"}
EXAMPLES = 5


@dataclass
class Problem:
    """One request (or sender) that breaks a check, with the facts that show it."""
    check: str
    reason: str
    request: str = ""    # request id, or "#index" for requests without one
    detail: str = ""


@dataclass
class Verdict:
    posted: int = 0
    answered: int = 0
    unanswered: int = 0
    refused: int = 0
    statuses: Counter = field(default_factory=Counter)       # API status of the 200'd requests
    # API status -> what the chain shows for those requests ("mined once", "not mined", "mined 2 times")
    status_vs_chain: dict[str, Counter] = field(default_factory=dict)
    confirmed_agreeing: int = 0
    reverted_agreeing: int = 0
    mined_once: int = 0          # 200'd requests whose calldata is mined exactly once
    mined_twice: int = 0         # calldatas mined more than once (any request)
    failed_never_mined: int = 0  # failed, not mined, nonce taken by another transaction
    unanswered_landed: int = 0
    cancellations: int = 0       # mined zero-value self-transfers of our senders
    mined_of_senders: int = 0
    nonce_gaps: int = 0          # missing, doubled or extra nonces over all senders
    left_in_pool: int = 0
    foreign: int = 0             # mined from our senders, neither a request of ours nor a cancellation
    not_final: int = 0
    not_stored: int = 0          # 200'd but 404 (or no answer) at the end
    disagreements: int = 0       # final statuses the chain contradicts
    failed_wrongly: int = 0      # `failed` but mined, or its nonce still open
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)


def judge(posted: list[Posted], views: dict[str, dict | None], chain: ChainState,
          senders: list[str], contract: str, confirmations: int) -> Verdict:
    """`views` maps the 200'd request ids to their final `GET /transaction/{id}` body (None: 404;
    an id missing: the API never answered for it)."""
    verdict = Verdict(posted=len(posted))
    ours = {s.lower() for s in senders}
    calldata_of_request = {p.calldata.lower() for p in posted}
    _check_requests(verdict, posted, views, chain, contract.lower(), confirmations)
    _check_doubles(verdict, chain)
    held: dict[str, set[int]] = {}
    for p in posted:
        nonce = _int((views.get(p.id) or {}).get("nonce")) if p.id else None
        if nonce is not None:
            held.setdefault(p.sender.lower(), set()).add(nonce)
    _check_nonces(verdict, chain, ours, held)
    _check_foreign(verdict, chain, ours, contract.lower(), calldata_of_request)
    return verdict


def _label(p: Posted) -> str:
    return p.id or f"#{p.index}"


def _describe(txs: list[MinedTx]) -> str:
    return ", ".join(f"{tx.hash} (block {tx.block}, nonce {tx.nonce}, {'success' if tx.succeeded else 'failure'})"
                     for tx in txs) or "not mined"


def _check_requests(verdict: Verdict, posted: list[Posted], views: dict[str, dict | None],
                    chain: ChainState, contract: str, confirmations: int) -> None:
    for p in posted:
        mined = chain.by_calldata.get(p.calldata.lower(), [])
        if p.outcome == UNANSWERED:
            verdict.unanswered += 1
            verdict.unanswered_landed += bool(mined)
            continue
        if p.outcome == REFUSED:
            verdict.refused += 1
            verdict.add(Problem("refused", f"the API refused a valid request with {p.http_status}", _label(p)))
            continue
        assert p.outcome == ANSWERED and p.id, p
        verdict.answered += 1
        verdict.mined_once += len(mined) == 1
        if p.id not in views:
            verdict.not_stored += 1
            verdict.add(Problem("not stored", "got a 200 but GET never answered at the end", p.id,
                                f"chain: {_describe(mined)}"))
            continue
        view = views[p.id]
        if view is None:
            verdict.not_stored += 1
            verdict.add(Problem("not stored", "got a 200 but GET answers 404 at the end", p.id,
                                f"chain: {_describe(mined)}"))
            continue
        status = str(view.get("status"))
        verdict.statuses[status] += 1
        fact = "not mined" if not mined else "mined once" if len(mined) == 1 else f"mined {len(mined)} times"
        verdict.status_vs_chain.setdefault(status, Counter())[fact] += 1
        if status in FINAL_ON_CHAIN:
            _check_mined(verdict, p, view, status, mined, chain, contract, confirmations)
        elif status == FAILED:
            _check_failed(verdict, p, view, mined, chain)
        elif status in NOT_FINAL:
            verdict.not_final += 1
            verdict.add(Problem("not final", f"still {status} at the end", p.id, f"chain: {_describe(mined)}"))
        else:
            verdict.disagreements += 1
            verdict.add(Problem("disagreement", f"status {status!r} is none of the lifecycle's "
                                f"(a worker that predates it?); chain: {fact}", p.id,
                                _describe(mined) if mined else ""))


def _check_mined(verdict: Verdict, p: Posted, view: dict, status: str, mined: list[MinedTx],
                 chain: ChainState, contract: str, confirmations: int) -> None:
    if len(mined) > 1:
        return   # counted and reported once by _check_doubles
    if not mined:
        verdict.disagreements += 1
        verdict.add(Problem("disagreement", f"{status} but no mined transaction carries its calldata", p.id,
                            f"API receipt: {view.get('receipt')}"))
        return
    tx = mined[0]
    wrong = []
    if tx.succeeded != FINAL_ON_CHAIN[status]:
        wrong.append(f"receipt status is {'success' if tx.succeeded else 'failure'}")
    if tx.sender != p.sender.lower():
        wrong.append(f"sent by {tx.sender}, not {p.sender}")
    if tx.to != contract:
        wrong.append(f"sent to {tx.to}, not the contract")
    if _int(view.get("nonce")) != tx.nonce:
        wrong.append(f"API nonce {view.get('nonce')}, chain nonce {tx.nonce}")
    receipt = view.get("receipt") or {}
    if not receipt:
        wrong.append("the API shows no receipt")
    else:
        if str(receipt.get("hash", "")).lower() != tx.hash:
            wrong.append(f"API receipt hash {receipt.get('hash')}, mined {tx.hash}")
        if _int(receipt.get("block")) != tx.block:
            wrong.append(f"API receipt block {receipt.get('block')}, mined in {tx.block}")
        if "block_hash" in receipt and str(receipt["block_hash"]).lower() != tx.block_hash:
            wrong.append(f"API block hash {receipt['block_hash']}, canonical {tx.block_hash}")
        if "succeeded" in receipt and bool(receipt["succeeded"]) != tx.succeeded:
            wrong.append(f"API receipt succeeded={receipt['succeeded']}, chain says {tx.succeeded}")
    versions = [str(v.get("hash", "")).lower() for v in view.get("versions") or []]
    if versions and tx.hash not in versions:
        wrong.append(f"mined hash {tx.hash} is none of the API's versions")
    if chain.depth(tx) < confirmations:
        wrong.append(f"only {chain.depth(tx)} of {confirmations} confirmations deep")
    if wrong:
        verdict.disagreements += 1
        verdict.add(Problem("disagreement", f"{status} but " + "; ".join(wrong), p.id, _describe(mined)))
    elif status == "confirmed":
        verdict.confirmed_agreeing += 1
    else:
        verdict.reverted_agreeing += 1


def _check_failed(verdict: Verdict, p: Posted, view: dict, mined: list[MinedTx], chain: ChainState) -> None:
    if mined:
        verdict.failed_wrongly += 1
        verdict.add(Problem("failed but mined", "failed, yet its calldata is on chain", p.id, _describe(mined)))
        return
    nonce = _int(view.get("nonce"))
    if nonce is None:   # refused before a nonce was assigned: nothing signed can land
        verdict.failed_never_mined += 1
        return
    taken = chain.by_sender_nonce.get((p.sender.lower(), nonce), [])
    if not taken:
        verdict.failed_wrongly += 1
        count = chain.latest_count.get(p.sender.lower())
        verdict.add(Problem("failed but open", f"failed at nonce {nonce}, which nothing on chain uses "
                            f"(the sender's count is {count}): a signed version could still land", p.id))
        return
    verdict.failed_never_mined += 1


def _check_doubles(verdict: Verdict, chain: ChainState) -> None:
    for calldata, txs in chain.by_calldata.items():
        if calldata != "0x" and len(txs) > 1:
            verdict.mined_twice += 1
            verdict.add(Problem("mined twice", f"one calldata mined {len(txs)} times", "",
                                f"{calldata[:10]}…{calldata[-8:]}: {_describe(txs)}"))


def _check_nonces(verdict: Verdict, chain: ChainState, ours: set[str], held: dict[str, set[int]]) -> None:
    """A hole is a nonce below the sender's highest one (mined, or held by a 200'd request
    per the API) that no mined transaction uses: the sender's later requests wait behind it."""
    for sender in sorted(ours):
        nonces = Counter(tx.nonce for tx in chain.transactions_of(sender))
        count = chain.latest_count.get(sender, 0)
        verdict.mined_of_senders += sum(nonces.values())
        top = max([count - 1, *nonces, *held.get(sender, ())], default=-1)
        missing = [n for n in range(top + 1) if n not in nonces]
        doubled = [n for n, times in nonces.items() if times > 1]
        extra = [n for n in nonces if n >= count]
        if missing or doubled or extra:
            verdict.nonce_gaps += len(missing) + len(doubled) + len(extra)
            verdict.add(Problem("nonce gap", f"mined nonces are not exactly 0..{top} (count at the head {count})",
                                sender, f"unused {missing[:10]}, doubled {doubled[:10]}, beyond the count {extra[:10]}"))
        pooled = chain.pooled.get(sender, [])
        pending = chain.pending_count.get(sender, count)
        if pooled or pending != count:
            verdict.left_in_pool += len(pooled)
            queued = sorted(n for kind, n in pooled if kind == "queued")
            verdict.add(Problem("left in pool", f"the node still holds {len(pooled)} of its transactions "
                                f"(pending count {pending}, mined {count})", sender,
                                f"queued behind a gap: nonces {queued[:10]}"))


def _check_foreign(verdict: Verdict, chain: ChainState, ours: set[str], contract: str,
                   requested: set[str]) -> None:
    for tx in chain.mined:
        if tx.sender not in ours:
            continue
        if tx.is_cancellation():
            verdict.cancellations += 1
        elif tx.to != contract or tx.input not in requested:
            verdict.foreign += 1
            verdict.add(Problem("foreign", "mined from a sender of the run, but neither a posted request "
                                "nor a cancellation", tx.sender, _describe([tx])))


def _int(value) -> int | None:
    """A number the API wrote as a JSON number, a decimal string or 0x-hex."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None
