"""A small JSON-RPC client for the harness's own reads of the chain (never through the proxy)."""

import http.client
import json
from urllib.parse import urlparse


class RPCError(Exception):
    def __init__(self, method: str, error: dict) -> None:
        super().__init__(f"{method}: {error.get('code')} {error.get('message')}")
        self.code = error.get("code")
        self.message = error.get("message")


class ChainClient:
    """Keep-alive JSON-RPC over HTTP; one connection, so one thread per client."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parsed = urlparse(url)
        self.url = url
        self._host, self._port, self._timeout = parsed.hostname, parsed.port, timeout
        self._connection: http.client.HTTPConnection | None = None
        self._ids = 0

    def _post(self, payload) -> object:
        body = json.dumps(payload).encode()
        for attempt in (1, 2):   # a keep-alive connection the server closed is reopened once
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request("POST", "/", body, {"Content-Type": "application/json"})
                response = self._connection.getresponse()
                text = response.read()
                if response.status != 200:
                    raise ConnectionError(f"HTTP {response.status} from {self.url}: {text[:200]!r}")
                return json.loads(text)
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, *params):
        self._ids += 1
        answer = self._post({"jsonrpc": "2.0", "id": self._ids, "method": method, "params": list(params)})
        if "error" in answer:
            raise RPCError(method, answer["error"])
        return answer["result"]

    def batch(self, method: str, params_list: list[list]) -> list:
        """One call per element of `params_list`, in one HTTP request; results in order."""
        if not params_list:
            return []
        first = self._ids + 1
        self._ids += len(params_list)
        payload = [{"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
                   for i, params in enumerate(params_list)]
        answers = {answer["id"]: answer for answer in self._post(payload)}
        results = []
        for i in range(len(params_list)):
            answer = answers.get(first + i)
            if answer is None:
                raise RPCError(method, {"code": None, "message": f"batch element {i} unanswered"})
            if "error" in answer:
                raise RPCError(method, answer["error"])
            results.append(answer["result"])
        return results

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def quantity(value: str | None) -> int | None:
    return None if value is None else int(value, 16)
