"""Writes Tests/EVMSigningTests/Fixtures/signing_vectors.json: transactions signed by eth-account.

Deterministic (seeded), so re-running it reproduces the committed file byte for byte:
    .venv/bin/python devchain/gen_signing_vectors.py
Each vector: {"privateKey", "transaction" (the JSON-RPC object `broadcaster sign` reads),
"raw", "hash", "from"}. The crosscheck test reuses `random_case` with other seeds.
"""

import json
import random
import sys
from pathlib import Path

from eth_account import Account
from eth_utils import to_checksum_address

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DEV_CHAIN_ID = 131277322940537
LARGEST_CHAIN_ID = 9223372036854775771   # EIP-2294: v = 2 * id + 36 still fits in 64 bits
CHAIN_IDS = (1, DEV_CHAIN_ID, LARGEST_CHAIN_ID)
OUTPUT = Path(__file__).resolve().parent.parent / "Tests/EVMSigningTests/Fixtures/signing_vectors.json"
VECTOR_COUNT = 40
SEED = 20240601


def random_key(rng: random.Random) -> bytes:
    return rng.randrange(1, SECP256K1_ORDER).to_bytes(32, "big")


def random_address(rng: random.Random) -> str:
    return to_checksum_address(rng.randbytes(20))


def random_data(rng: random.Random, index: int) -> bytes:
    kind = index % 5
    if kind == 0:
        return b""
    if kind == 4:
        return rng.randbytes(4096)
    # Calldata-like: a selector and words, some zero bytes (cheaper gas, same signing).
    return rng.randbytes(4) + b"".join(
        rng.choice([bytes(32), rng.randbytes(32), bytes(12) + rng.randbytes(20)]) for _ in range(kind)
    )


def random_access_list(rng: random.Random) -> list[dict]:
    return [
        {"address": random_address(rng),
         "storageKeys": ["0x" + rng.randbytes(32).hex() for _ in range(rng.randrange(0, 4))]}
        for _ in range(rng.choice([0, 0, 1, 2, 3]))
    ]


def random_case(rng: random.Random, index: int) -> tuple[bytes, dict]:
    """(private key, eth-account transaction dict with ints and bytes)."""
    legacy = index % 2 == 0
    data = random_data(rng, index)
    tx = {
        "chainId": CHAIN_IDS[index % 3],
        "nonce": rng.choice([0, rng.randrange(1, 1000), rng.randrange(0, 2**64 - 1)]),
        "value": rng.choice([0, rng.randrange(0, 10**20), rng.randrange(0, 2**256)]),
        "gas": 21000 + 68 * len(data) + rng.randrange(0, 500_000),
        "data": data,
    }
    if index % 11 != 7:
        tx["to"] = random_address(rng)
    if legacy:
        tx["gasPrice"] = rng.choice([1, rng.randrange(10**9, 10**12), rng.randrange(0, 2**128)])
    else:
        tip = rng.choice([0, rng.randrange(1, 10**10)])
        tx.update(type=2, maxPriorityFeePerGas=tip, maxFeePerGas=tip + rng.randrange(0, 10**12),
                  accessList=random_access_list(rng))
    return random_key(rng), tx


def quantity(value: int, decimal: bool) -> str:
    return str(value) if decimal else hex(value)


def as_rpc_object(tx: dict, index: int) -> dict:
    """The JSON-RPC transaction object; some vectors give quantities as decimal strings."""
    decimal = index % 7 == 3
    out = {"type": "0x2" if tx.get("type") == 2 else "0x0"}
    for key in ("chainId", "nonce"):
        out[key] = quantity(tx[key], decimal)
    if "to" in tx:
        out["to"] = tx["to"]
    elif index % 2:
        out["to"] = None   # contract creation, spelled both ways
    for key in ("value", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas"):
        if key in tx:
            out[key] = quantity(tx[key], decimal and key != "value")
    out["data"] = "0x" + tx["data"].hex()
    if "accessList" in tx:
        out["accessList"] = tx["accessList"]
    return out


def sign(key: bytes, tx: dict) -> dict:
    signed = Account.sign_transaction(tx, key)
    return {"raw": "0x" + bytes(signed.raw_transaction).hex(),
            "hash": "0x" + bytes(signed.hash).hex(),
            "from": Account.from_key(key).address}


def vectors(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        key, tx = random_case(rng, index)
        if index == 1:
            tx["value"] = 2**256 - 1   # the largest value a transaction can carry
        out.append({"privateKey": "0x" + key.hex(), "transaction": as_rpc_object(tx, index), **sign(key, tx)})
    return out


def main() -> int:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(vectors(SEED, VECTOR_COUNT), indent=1) + "\n")
    print(f"wrote {VECTOR_COUNT} vectors to {OUTPUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
