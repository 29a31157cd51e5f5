"""One request the load sent and what the API answered: the harness's own record, written to
the run folder as JSON lines, the source of what "a request that got a 200" means."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

ANSWERED = "200"          # the API answered 200 with an id: a promise
UNANSWERED = "unanswered"  # never a 200 before the deadline: may or may not have been produced
REFUSED = "refused"        # a 4xx: the API refused a valid request (a failure of the run)


@dataclass
class Posted:
    index: int
    sender: str          # checksummed address
    weight: int
    calldata: str        # lower-case hex: what identifies the request on chain
    key: str             # the Idempotency-Key, the same on every retry
    outcome: str = UNANSWERED
    id: str | None = None
    http_status: int | None = None
    tries: int = 0
    seconds: float = 0.0   # from the first try to the outcome

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def write_all(posted: list[Posted], path: Path) -> None:
    path.write_text("".join(p.to_json() + "\n" for p in posted))

