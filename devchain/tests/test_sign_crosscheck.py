"""`broadcaster sign` agrees with eth-account on random keys and transactions.

Needs the built binary: BROADCASTER_BIN=.build/debug/broadcaster. Deselect with -m "not crosscheck".
"""

import json
import os
import random
import subprocess

import pytest
from eth_account import Account

from gen_signing_vectors import as_rpc_object, random_case, sign

pytestmark = pytest.mark.crosscheck

CASES = 50
SEED = 777


@pytest.fixture(scope="module")
def broadcaster() -> str:
    binary = os.environ.get("BROADCASTER_BIN")
    if not binary:
        pytest.fail("BROADCASTER_BIN is not set: build the broadcaster (swift build) and set "
                    "BROADCASTER_BIN=.build/debug/broadcaster, or deselect with -m 'not crosscheck'")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"BROADCASTER_BIN={binary} is not an executable file")
    return binary


def run_sign(binary: str, key: bytes, transaction: dict, tmp_path) -> subprocess.CompletedProcess:
    key_file = tmp_path / "key"
    key_file.write_text("0x" + key.hex() + "\n")
    key_file.chmod(0o600)
    return subprocess.run([binary, "sign", "--key-file", str(key_file)], input=json.dumps(transaction),
                          capture_output=True, text=True, timeout=30)


def cases() -> list[tuple[bytes, dict]]:
    rng = random.Random(SEED)
    return [random_case(rng, index) for index in range(CASES)]


@pytest.mark.parametrize("index", range(CASES))
def test_signature_matches_eth_account(broadcaster, tmp_path, index):
    key, tx = cases()[index]
    result = run_sign(broadcaster, key, as_rpc_object(tx, index), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == sign(key, tx)
    assert key.hex() not in result.stdout + result.stderr


@pytest.mark.parametrize("field, breakage", [
    ("gas", lambda tx: tx.pop("gas")),
    ("to", lambda tx: tx.update(to="0x" + "zz" * 20)),
])
def test_bad_input_names_the_field(broadcaster, tmp_path, field, breakage):
    key = Account.create().key
    transaction = {"type": "0x2", "chainId": "0x1", "nonce": "0x0", "to": "0x" + "11" * 20, "value": "0x0",
                   "gas": "0x5208", "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1", "data": "0x"}
    breakage(transaction)
    result = run_sign(broadcaster, bytes(key), transaction, tmp_path)
    assert result.returncode != 0
    assert field in result.stderr, result.stderr
    assert result.stdout == ""
