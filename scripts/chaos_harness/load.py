"""The callers: POST /transaction/broadcast at a steady rate, one Idempotency-Key per request,
the same key again after a connection error, a timeout or a 5xx until a 200 or the request's
deadline; and GET /transaction/{id} to read what the API says at the end."""

import http.client
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from .posted import ANSWERED, REFUSED, UNANSWERED, Posted
from .senders import Sender
from .verify import FAILED, FINAL_ON_CHAIN, NOT_FINAL

POST_TIMEOUT = 10.0
GET_TIMEOUT = 10.0
FINAL = set(FINAL_ON_CHAIN) | {FAILED}
LIFECYCLE = FINAL | NOT_FINAL


def plan(count: int, senders: list[Sender], run_id: str) -> list[Posted]:
    """Round-robin over the senders; weight i + 1 makes every request's calldata unique."""
    planned = []
    for index in range(count):
        sender = senders[index % len(senders)]
        weight = index + 1
        planned.append(Posted(index=index, sender=sender.address, weight=weight,
                              calldata=sender.calldata(weight), key=f"chaos-{run_id}-{index}"))
    return planned


def _request(port: int, method: str, path: str, body: bytes | None, headers: dict, timeout: float):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Retry-After")
    finally:
        connection.close()


class Load:
    """Posts `planned` (mutating each entry with its outcome) at `rate` per second."""

    def __init__(self, api_port: int, planned: list[Posted], senders: list[Sender], rate: float,
                 concurrency: int, deadline: float, say) -> None:
        self.port = api_port
        self.planned = planned
        self.signature = {s.address: s.signature for s in senders}
        self.rate = rate
        self.concurrency = concurrency
        self.deadline = deadline
        self.say = say
        self.done = threading.Event()
        self._lock = threading.Lock()
        self.finished = 0
        self._counts = {ANSWERED: 0, UNANSWERED: 0, REFUSED: 0}

    def run(self) -> None:
        started = time.monotonic()
        reporter = threading.Thread(target=self._report, args=(started,), daemon=True)
        reporter.start()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="post") as pool:
            for posted in self.planned:
                delay = started + posted.index / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self._post, posted)
        self.done.set()
        reporter.join()

    def _report(self, started: float) -> None:
        while not self.done.wait(10):
            counts = self.counts()
            self.say(f"load: {self.finished}/{len(self.planned)} done after {time.monotonic() - started:.0f} s: "
                     f"{counts[ANSWERED]} 200s, {counts[UNANSWERED]} unanswered so far, {counts[REFUSED]} refused")

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def _post(self, posted: Posted) -> None:
        body = json.dumps({"message_type": self.signature[posted.sender], "data": posted.calldata}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": posted.key}
        first = time.monotonic()
        pause = 0.2
        while True:
            posted.tries += 1
            retry_after = None
            try:
                status, answer, retry_after = _request(self.port, "POST", "/transaction/broadcast", body, headers,
                                                       POST_TIMEOUT)
                posted.http_status = status
                if status == 200:
                    posted.id = json.loads(answer)["id"]
                    posted.outcome = ANSWERED
                    break
                if 400 <= status < 500:
                    posted.outcome = REFUSED
                    self.say(f"load: request #{posted.index} refused with {status}: {answer[:300]!r}")
                    break
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                pass   # the API is down or cut the answer: the same key again
            if time.monotonic() - first + pause > self.deadline:
                break
            time.sleep(float(retry_after) if retry_after and retry_after.isdigit() else pause)
            pause = min(pause * 2, 2.0)
        posted.seconds = round(time.monotonic() - first, 3)
        with self._lock:
            self.finished += 1
            self._counts[posted.outcome] += 1


def fetch_view(port: int, request_id: str) -> dict | None:
    """The API's answer for one request: its JSON, or None for 404. Raises when the API is not answering."""
    status, body, _ = _request(port, "GET", f"/transaction/{uuid.UUID(request_id)}", None, {}, GET_TIMEOUT)
    if status == 404:
        return None
    if status != 200:
        raise ConnectionError(f"GET /transaction/{request_id} answered {status}: {body[:200]!r}")
    return json.loads(body)


def fetch_views(port: int, ids: list[str], workers: int = 8) -> dict[str, dict | None]:
    """Every id's view; an id whose GET failed (the API restarting) is left out."""
    def one(request_id: str):
        try:
            return request_id, fetch_view(port, request_id), True
        except (OSError, http.client.HTTPException, ValueError):
            return request_id, None, False

    with ThreadPoolExecutor(workers, thread_name_prefix="get") as pool:
        return {rid: view for rid, view, ok in pool.map(one, ids) if ok}


def wait_until_final(port: int, ids: list[str], deadline: float, say, stall: float = 180.0) -> dict[str, dict | None]:
    """Polls until every id's status is final, or time.monotonic() passes `deadline`, or nothing
    changed for `stall` seconds while every waiting status is one the lifecycle does not know
    (a worker from before issue 7 never moves past `broadcast`); the last views."""
    views: dict[str, dict | None] = {}
    waiting = list(ids)
    last_report = 0.0
    last_change = time.monotonic()
    while True:
        before = {i: _status(views.get(i)) for i in waiting}
        views.update(fetch_views(port, waiting))
        waiting = [i for i in ids if _status(views.get(i)) not in FINAL]
        now = time.monotonic()
        if any(_status(views.get(i)) != status for i, status in before.items()):
            last_change = now
        if not waiting or now >= deadline:
            return views
        statuses: dict[str, int] = {}
        for i in waiting:
            statuses[_status(views.get(i))] = statuses.get(_status(views.get(i)), 0) + 1
        if now - last_change >= stall and not set(statuses) & (LIFECYCLE | {"404"}):
            say(f"{len(waiting)} requests have sat for {stall:.0f} s in statuses outside issue 7's lifecycle "
                f"({', '.join(sorted(statuses))}); judging now")
            return views
        if now - last_report >= 15:
            say(f"waiting for {len(waiting)} of {len(ids)} requests to be final "
                f"({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}), {deadline - now:.0f} s left")
            last_report = now
        time.sleep(2)


def _status(view: dict | None) -> str:
    return "404" if view is None else str(view.get("status"))
