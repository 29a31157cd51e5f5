"""The chaos run's senders: dev keys 0x…01 to 0x…0S, each with its own message type, and the
calldata that identifies one request (a weight unique in the run)."""

from dataclasses import dataclass

from eth_account import Account
from eth_utils import keccak

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"   # no code there: every call succeeds
GAS_LIMIT = 100_000


@dataclass(frozen=True)
class Sender:
    index: int

    @property
    def key_hex(self) -> str:
        """The public dev key 0x…0N (devchain/README.md); written to a key file, never printed."""
        return "0x" + f"{self.index:064x}"

    @property
    def address(self) -> str:
        return Account.from_key(self.key_hex).address

    @property
    def signer_name(self) -> str:
        return f"s{self.index}"

    @property
    def message_type(self) -> str:
        return f"add_weight_{self.index}"

    @property
    def signature(self) -> str:
        return f"add_weight_{self.index}(address,uint256)"

    def calldata(self, weight: int) -> str:
        """The signature's selector, the sender's address as the first argument, `weight` as the second."""
        selector = keccak(text=self.signature)[:4]
        address_word = bytes(12) + bytes.fromhex(self.address[2:])
        weight_word = weight.to_bytes(32, "big")
        return "0x" + (selector + address_word + weight_word).hex()


def dev_senders(count: int) -> list[Sender]:
    if not 1 <= count <= 10:
        raise ValueError(f"the chain funds dev keys 1 to 10; {count} senders asked")
    return [Sender(index) for index in range(1, count + 1)]
