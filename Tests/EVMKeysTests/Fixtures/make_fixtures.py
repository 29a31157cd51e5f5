"""Regenerates the eth-account keystores in this folder (test-only keys and passwords).

Run: pip install --target /tmp/ea eth-account==0.14.0 && PYTHONPATH=/tmp/ea python3 make_fixtures.py
official-*.json are copied from the Web3 Secret Storage Definition and are not generated.
"""
import json
from pathlib import Path

from eth_account import Account

HERE = Path(__file__).parent
# The example key from eth-account's documentation; never fund it.
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

FIXTURES = {
    # eth-account writes scrypt with r=8, p=1 (geth's choice) and a checksummed "address";
    # small n and c keep debug-build tests fast.
    "ea-scrypt-n1024.json": dict(password="correct horse", kdf="scrypt", iterations=1024),
    "ea-pbkdf2-c1000.json": dict(password="correct horse", kdf="pbkdf2", iterations=1000),
    "ea-scrypt-empty-password.json": dict(password="", kdf="scrypt", iterations=16),
}

for name, args in FIXTURES.items():
    keystore = Account.encrypt(KEY, **args)
    (HERE / name).write_text(json.dumps(keystore, indent=2, sort_keys=True) + "\n")

for name in ("official-pbkdf2.json", "official-scrypt.json"):
    key = Account.decrypt(json.loads((HERE / name).read_text()), "testpassword")
    print(name, key.hex(), Account.from_key(key).address)
print("ea key address", Account.from_key(KEY).address)
