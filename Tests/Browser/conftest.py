"""The whole stack for the dashboard's browser test, each part real and on a free port: the
devchain node, Tansu, `broadcaster api`, one `broadcaster worker` and `broadcaster admin`,
sharing one configuration and one SQLite store in the test's folder."""

import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))   # for chaos_harness

from chaos_harness.rpc import ChainClient   # noqa: E402
from chaos_harness.senders import CONTRACT, GAS_LIMIT, Sender   # noqa: E402
from chaos_harness.stack import PYTHON, REPO, Proc, free_port, http_ok, port_open   # noqa: E402

CHAIN_ID = 131277322940537
OPERATOR = "ops"
# A retry is refused while the given-up request's nonce is open; a short deadline and a node
# outage longer than it make a request that fails for a reason that is gone by the retry.
RETRY_DEADLINE = 4
CONFIRMATIONS = 2


def binary() -> Path:
    path = os.environ.get("BROADCASTER_BIN")
    if not path:
        pytest.fail("BROADCASTER_BIN must name the broadcaster executable (scripts/test sets it)")
    return Path(path)


class Stack:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: list[Proc] = []
        self.sender = Sender(1)
        self.api_port = free_port()
        self.admin_port = free_port()
        self.password = secrets.token_urlsafe(18)

    def start(self, name: str, argv: list[str]) -> Proc:
        proc = Proc(name, argv, self.folder)
        self.procs.append(proc)
        return proc

    def up(self) -> None:
        chain = self.start("chain", [str(PYTHON), str(REPO / "devchain" / "node.py"), "--port", "0",
                                     "--block-time", "0.5"])
        self.chain_url = chain.ready_url()
        self.chain = ChainClient(self.chain_url)
        broker_port = free_port()
        url = f"tcp://127.0.0.1:{broker_port}"
        tansu = self.start("tansu", [str(REPO / "scripts" / "tansu"), "broker", "--listener-url", url,
                                     "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"])
        tansu.wait_for(lambda: port_open(broker_port), f"listening on {broker_port}", 60)
        self.broker = f"127.0.0.1:{broker_port}"
        created = subprocess.run([str(REPO / "kafka" / "create-topics"), "--tool", "tansu", "--broker", self.broker],
                                 capture_output=True, text=True, timeout=120)
        assert created.returncode == 0, created.stdout + created.stderr
        self.write_config()
        self.api = self.start("api", [str(binary()), "api", "--config", str(self.config)])
        self.api.wait_for(lambda: http_ok(f"http://127.0.0.1:{self.api_port}/readyz"), "/readyz", 90)
        self.worker = self.start("worker", [str(binary()), "worker", "--config", str(self.config)])
        self.worker.wait_for(lambda: "partitions assigned" in self.worker.text(), "partitions assigned", 90)
        self.admin = self.start("admin", [str(binary()), "admin", "--config", str(self.config)])
        self.admin.wait_for(lambda: port_open(self.admin_port), f"the admin listening on {self.admin_port}", 60)

    def password_hash(self) -> str:
        made = subprocess.run([str(binary()), "admin-hash-password", "--cost", "10"], input=self.password + "\n",
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip().splitlines()[-1].strip()

    def write_config(self) -> None:
        key_file = self.folder / "s1.key"
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(self.sender.key_hex + "\n")
        configuration = {
            "kafka": {"brokers": self.broker, "requestsTopic": "broadcaster.requests",
                      "resultsTopic": "broadcaster.results", "consumerGroup": "broadcaster-workers",
                      "produceTimeout": 5, "sessionTimeout": 6},
            "rpc": {"endpoints": [self.chain_url], "callTimeout": 3, "chainID": CHAIN_ID},
            "retry": {"initialDelay": 0.2, "multiplier": 2, "maxDelay": 1, "jitter": 0.2,
                      "deadline": RETRY_DEADLINE},
            "store": {"path": str(self.folder / "broadcaster.sqlite"), "busyTimeout": 5},
            "api": {"host": "127.0.0.1", "port": self.api_port},
            "worker": {"port": 0, "leaseLength": 10},
            "tracking": {"confirmations": CONFIRMATIONS, "poolCheckAfter": 5, "bumpAfter": 30,
                         "bumpAfterBlocks": 30, "pollInterval": 0.5},
            "fees": {"maxFeePerGasGwei": 100, "maxPriorityFeePerGasGwei": 2},
            "signers": {"names": ["s1"], "s1": {"keyFile": str(key_file), "address": self.sender.address}},
            "messageTypes": {"names": [self.sender.message_type],
                             self.sender.message_type: {"signature": self.named_signature(), "contract": CONTRACT,
                                                        "signer": "s1", "gasLimit": GAS_LIMIT}},
            "admin": {"host": "127.0.0.1", "port": self.admin_port,
                      "publicOrigin": f"http://127.0.0.1:{self.admin_port}",
                      "users": {"names": [OPERATOR], OPERATOR: {"passwordHash": self.password_hash(),
                                                                "role": "operator"}}},
        }
        self.config = self.folder / "broadcaster.json"
        self.config.write_text(json.dumps(configuration, indent=2) + "\n")
        os.chmod(self.config, 0o600)

    def named_signature(self) -> str:
        """The message type with parameter names, which the detail page decodes the data with."""
        return self.sender.signature.replace("(address,uint256)", "(address _addr, uint256 _weight)")

    # The caller's side -------------------------------------------------------------------

    def post(self, weight: int) -> str:
        body = json.dumps({"message_type": self.sender.signature, "data": self.sender.calldata(weight)})
        connection = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        connection.request("POST", "/transaction/broadcast", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        connection.close()
        assert response.status == 200, answer
        return answer["id"]

    def view(self, request_id: str) -> dict | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        connection.request("GET", f"/transaction/{request_id}")
        response = connection.getresponse()
        text = response.read()
        connection.close()
        return json.loads(text) if response.status == 200 else None

    def wait_status(self, request_id: str, wanted: set[str], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        view = None
        while time.monotonic() < deadline:
            view = self.view(request_id)
            if view and view.get("status") in wanted:
                return view
            time.sleep(0.5)
        raise AssertionError(f"request {request_id} never reached {wanted}: {view}\n{self.worker.tail(30)}")

    def down(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.chain.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard-stack")
    made = Stack(folder)
    try:
        made.up()
        yield made
    finally:
        made.down()
