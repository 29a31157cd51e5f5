"""A real devchain node per test (never mining by itself: tests mine with dev_mine), and
transactions signed with eth-account, so that verify.py is judged against chains whose
history the test wrote."""

import sys
from pathlib import Path

import pytest
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # scripts/, for chaos_harness

from chaos_harness.posted import ANSWERED, UNANSWERED, Posted   # noqa: E402
from chaos_harness.rpc import ChainClient, quantity   # noqa: E402
from chaos_harness.senders import CONTRACT, Sender   # noqa: E402
from chaos_harness.stack import PYTHON, REPO, Proc   # noqa: E402

CHAIN_ID = 131277322940537
GWEI = 10**9


class Chain:
    """A node and a client, with the few moves the tests make."""

    def __init__(self, proc: Proc) -> None:
        self.proc = proc
        self.url = proc.ready_url()
        self.rpc = ChainClient(self.url)

    def sign(self, sender: Sender, nonce: int, *, data: str = "0x", to: str = CONTRACT, value: int = 0,
             max_fee: int = 100 * GWEI, tip: int = GWEI, gas: int = 100_000):
        return Account.sign_transaction(
            {"type": 2, "chainId": CHAIN_ID, "nonce": nonce, "to": to, "value": value, "gas": gas,
             "data": data, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip}, sender.key_hex)

    def send(self, signed) -> str:
        return self.rpc.call("eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex())

    def request(self, sender: Sender, nonce: int, weight: int, **fees) -> str:
        """Sends the transaction the broadcaster would send for (sender, weight) at `nonce`."""
        return self.send(self.sign(sender, nonce, data=sender.calldata(weight), **fees))

    def cancel(self, sender: Sender, nonce: int, **fees) -> str:
        """A zero-value self-transfer with no data at `nonce`: a cancellation."""
        return self.send(self.sign(sender, nonce, to=sender.address, gas=21_000, **fees))

    def mine(self, blocks: int = 1) -> None:
        self.rpc.call("dev_mine", blocks)

    def receipt(self, tx_hash: str) -> dict | None:
        return self.rpc.call("eth_getTransactionReceipt", tx_hash)

    def view(self, status: str, tx_hash: str | None, nonce: int | None) -> dict:
        """What the API answers once a request is final: the receipt as the chain has it now."""
        receipt = self.receipt(tx_hash) if tx_hash else None
        view = {"status": status, "nonce": nonce, "hash": tx_hash,
                "versions": [{"number": 1, "kind": "original", "hash": tx_hash}] if tx_hash else [],
                "receipt": None, "confirmations": None}
        if receipt is not None:
            view["receipt"] = {"hash": receipt["transactionHash"], "block": quantity(receipt["blockNumber"]),
                               "block_hash": receipt["blockHash"], "succeeded": quantity(receipt["status"]) == 1,
                               "gas_used": quantity(receipt["gasUsed"]),
                               "effective_gas_price": quantity(receipt["effectiveGasPrice"])}
        return view


@pytest.fixture
def chain(tmp_path):
    proc = Proc("chain", [str(PYTHON), str(REPO / "devchain" / "node.py"), "--port", "0", "--block-time", "3600"],
                tmp_path)
    node = Chain(proc)
    yield node
    node.rpc.close()
    proc.stop()


@pytest.fixture
def senders():
    return [Sender(1), Sender(2)]


def answered(index: int, sender: Sender, weight: int) -> Posted:
    return Posted(index=index, sender=sender.address, weight=weight, calldata=sender.calldata(weight),
                  key=f"k{index}", outcome=ANSWERED, id=f"00000000-0000-4000-8000-{index:012d}", tries=1)


def unanswered(index: int, sender: Sender, weight: int) -> Posted:
    return Posted(index=index, sender=sender.address, weight=weight, calldata=sender.calldata(weight),
                  key=f"k{index}", outcome=UNANSWERED, tries=3)
