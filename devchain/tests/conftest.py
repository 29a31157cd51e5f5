"""Starts the node and the proxy as subprocesses on free ports and talks JSON-RPC to them."""

import http.client
import json
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from eth_account import Account

DEVCHAIN = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(DEVCHAIN))   # gen_signing_vectors, shared with the crosscheck
CHAIN_ID = 131277322940537
DEV_KEYS = ["0x" + f"{i:064x}" for i in range(1, 11)]
GWEI = 10**9
STARTUP_TIMEOUT = 30


class Process:
    """A devchain script running as a subprocess; `url` comes from its READY line."""

    def __init__(self, script: str, *args: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, str(DEVCHAIN / script), "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.stderr_lines: list[str] = []
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()
        self.url = self._await_ready()

    def _drain_stderr(self) -> None:
        for line in self.popen.stderr:
            self.stderr_lines.append(line)

    def _await_ready(self) -> str:
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.popen.stdout.readline()), daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        line = found[0] if found else ""
        if not line.startswith("READY http://"):
            self.popen.kill()
            raise RuntimeError(f"no READY line (got {line!r}); stderr:\n{''.join(self.stderr_lines)}")
        return line.split()[1]

    def stop(self) -> int:
        """SIGTERM, then the exit code once stderr is fully read."""
        self.popen.terminate()
        try:
            code = self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait()
        self._drain.join(timeout=5)
        return code


class RPCFailure(Exception):
    def __init__(self, error: dict) -> None:
        super().__init__(f"{error['code']}: {error['message']}")
        self.code = error["code"]
        self.message = error["message"]


class Client:
    """A keep-alive JSON-RPC client (one connection, not thread-safe)."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        self.ids = 0

    def post(self, payload) -> tuple[int, bytes]:
        self.connection.request("POST", "/", json.dumps(payload), {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        return response.status, response.read()

    def raw(self, method: str, *params) -> dict:
        self.ids += 1
        status, body = self.post({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": list(params)})
        assert status == 200, body
        answer = json.loads(body)
        assert answer["id"] == self.ids and answer["jsonrpc"] == "2.0"
        return answer

    def __call__(self, method: str, *params):
        answer = self.raw(method, *params)
        if "error" in answer:
            raise RPCFailure(answer["error"])
        return answer["result"]

    def send(self, signed) -> str:
        return self("eth_sendRawTransaction", raw_hex(signed))

    def wait_receipt(self, tx_hash: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            receipt = self("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt
            time.sleep(0.02)
        raise AssertionError(f"{tx_hash} not mined within {timeout} s")


def raw_hex(signed) -> str:
    return "0x" + bytes(signed.raw_transaction).hex()


def tx_hash(signed) -> str:
    return "0x" + bytes(signed.hash).hex()


def transfer(key, nonce: int, *, to: str = "0x" + "22" * 20, value: int = 1, chain_id: int = CHAIN_ID,
             tip: int = GWEI, max_fee: int = 100 * GWEI, gas: int = 21000, **extra):
    return Account.sign_transaction(
        {"type": 2, "chainId": chain_id, "nonce": nonce, "to": to, "value": value, "gas": gas,
         "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip, **extra}, key)


def fund_new_account(client: Client, amount: int = 10**18):
    """A fresh key funded from dev key 1, so each test owns its nonces."""
    account = Account.from_key(secrets.token_bytes(32))
    funder = Account.from_key(DEV_KEYS[0])
    with _funding_lock:
        nonce = int(client("eth_getTransactionCount", funder.address, "pending"), 16)
        tx_hash = client.send(transfer(funder.key, nonce, to=account.address, value=amount))
    client.wait_receipt(tx_hash)
    return account


_funding_lock = threading.Lock()


@pytest.fixture(scope="session")
def node():
    """Mines as soon as transactions are executable."""
    process = Process("node.py", "--block-time", "0")
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="session")
def idle_node():
    """Never mines during a test: transactions stay in the pool."""
    process = Process("node.py", "--block-time", "3600")
    yield process
    assert process.stop() == 0


@pytest.fixture
def start_node():
    """Starts nodes with the given flags (never mining by itself unless a --block-time is
    given); stops them after the test."""
    started: list[Process] = []

    def start(*flags: str) -> tuple[Process, Client]:
        if "--block-time" not in flags:
            flags = ("--block-time", "3600", *flags)
        process = Process("node.py", *flags)
        started.append(process)
        return process, Client(process.url)

    yield start
    for process in started:
        assert process.stop() == 0


@pytest.fixture
def rpc(node):
    return Client(node.url)


@pytest.fixture
def idle_rpc(idle_node):
    return Client(idle_node.url)
