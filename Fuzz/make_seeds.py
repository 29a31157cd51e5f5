"""Writes the seed corpus of every fuzz target into Fuzz/corpus/<target>/ (see README.md).

Run: .venv/bin/python Fuzz/make_seeds.py   (eth-abi, eth-account and eth-utils come with the
devchain's venv). Seeds are named seed-*; files libFuzzer found (crash-*, regression-*) are
kept. Test-only keys and passwords; never fund them.
"""
import json
import shutil
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def clear_seeds(target):
    for path in (CORPUS / target).glob("seed-*"):
        path.unlink()


def selector(canonical):
    return keccak(text=canonical)[:4]


# FuzzSignatureCalldata: signature, newline, mode byte, calldata.
CALLS = [
    ("add_weight(address _addr, uint256 _weight)", ["address", "uint256"],
     ["0x5eb715d601c2f27f83cb554b6b36e047822fb70a", 250]),
    ("f(uint,uint32[],bytes10,bytes)", ["uint256", "uint32[]", "bytes10", "bytes"],
     [0x123, [0x456, 0x789], b"1234567890", b"Hello, world!"]),
    ("g(uint[][],string[])", ["uint256[][]", "string[]"], [[[1, 2], [3]], ["one", "two", "three"]]),
    ("h(int8 a, (address to, bytes memo)[] b, bool[2] c, string[2] d)",
     ["int8", "(address,bytes)[]", "bool[2]", "string[2]"],
     [-5, [("0x" + "11" * 20, b"memo"), ("0x" + "22" * 20, b"")], [True, False], ["x", "yz"]]),
    ("deep(uint256[][][] x)", ["uint256[][][]"], [[[[1]], [[2, 3], []]]]),
    ("transfer(address to, uint256 amount)", ["address", "uint256"], ["0x" + "ab" * 20, 10**18]),
    ("approve(address,uint256)", ["address", "uint256"], ["0x" + "cd" * 20, 2**256 - 1]),
    ("s(string memory text)", ["string"], ["héllo wörld"]),
    ("b(bytes32 a, bytes1 b, bytes4[3] c)", ["bytes32", "bytes1", "bytes4[3]"],
     [b"\x01" * 32, b"\xff", [b"abcd", b"efgh", b"ijkl"]]),
    ("n(int256 a, int16 b, uint8 c, uint24 d)", ["int256", "int16", "uint8", "uint24"], [-(2**255), -1, 255, 2**24 - 1]),
    ("t((uint256,(int256,bytes4)[2])[] calldata xs)", ["(uint256,(int256,bytes4)[2])[]"],
     [[(7, [(-1, b"wxyz"), (2, b"\x00\x00\x00\x01")])]]),
    ("e()", [], []),
    ("p(address payable to, bool flag)", ["address", "bool"], ["0x" + "00" * 19 + "01", True]),
    ("m(bytes memory a, string calldata b, uint256[] storage c)", ["bytes", "string", "uint256[]"],
     [b"", "", []]),
]
SIGNATURES_ONLY = [
    "  f ( uint a , int b )  ", "f(tuple(uint256 x, address y)[2] memory points)", "f(uint[][3][] a)",
    "f(uint256 [ ] a)", "$_f9(string)", "f(fixed128x18 x)", "f(uint7)", "f(uint256[01])", "f(IERC20 token)",
    "f(uint256,,address)", "f(uint256 a, address a)", "f(uint256[4096][4096])", "f(())", "f(uint256) external",
]


def signature_calldata_seeds():
    target = "FuzzSignatureCalldata"
    clear_seeds(target)
    for index, (text, types, values) in enumerate(CALLS):
        canonical = text.split("(")[0].strip() + "(" + ",".join(types) + ")"
        arguments = encode(types, values)
        write(target, f"{index:02}-declared", text.encode() + b"\n\x00" + selector(canonical) + arguments)
        write(target, f"{index:02}-prefixed", text.encode() + b"\n\x02" + arguments)
        write(target, f"{index:02}-pinned", text.encode() + b"\n\x03\xd7\x13\x63\x28" + arguments)
    # The mission's request: add_weight with the pinned selector 0xd7136328.
    add_weight = encode(["address", "uint256"], ["0x5eb715d601c2f27f83cb554b6b36e047822fb70a", 250])
    write(target, "mission-pinned", b"add_weight(address _addr, uint256 _weight)\n\x01\xd7\x13\x63\x28\xd7\x13\x63\x28" + add_weight)
    write(target, "mission-mismatch", b"add_weight(address _addr, uint256 _weight)\n\x00\xd7\x13\x63\x28" + add_weight)
    for index, text in enumerate(SIGNATURES_ONLY):
        write(target, f"signature-{index:02}", text.encode() + b"\n\x02")


def signing_vectors():
    return json.loads((ROOT / "Tests/EVMSigningTests/Fixtures/signing_vectors.json").read_text())


def rlp_seeds():
    target = "FuzzRLP"
    clear_seeds(target)
    for index, vector in enumerate(signing_vectors()[:30]):
        write(target, f"tx-{index:02}", bytes.fromhex(vector["raw"][2:]))
    for name, data in [
        ("empty-string", b"\x80"), ("empty-list", b"\xc0"), ("byte", b"\x7f"), ("short", b"\x83dog"),
        ("long", b"\xb8\x38" + b"a" * 56), ("nested", b"\xc7\xc0\xc1\xc0\xc3\xc0\xc1\xc0"),
        ("long-list", b"\xf8\x3c" + b"\x83cat" * 15), ("integer", b"\x82\x04\x00"),
        ("non-canonical", b"\x81\x05"), ("leading-zero", b"\xb9\x00\x38" + b"a" * 56),
    ]:
        write(target, name, data)


def transaction_object_seeds():
    target = "FuzzTransactionObject"
    clear_seeds(target)
    for index, vector in enumerate(signing_vectors()[:30]):
        write(target, f"tx-{index:02}", json.dumps(vector["transaction"], separators=(",", ":")))
    for name, text in [
        ("create", '{"chainId":"1","nonce":"0","gas":"53000","gasPrice":"1","data":"0x6001"}'),
        ("decimal", '{"type":"0x2","chainId":"131277322940537","nonce":"7","gas":"21000",'
                    '"maxFeePerGas":"100","maxPriorityFeePerGas":"2","to":null,"input":"0x"}'),
        ("both-data", '{"chainId":"0x1","nonce":"0x0","gas":"0x5208","gasPrice":"0x1",'
                      '"to":"0x0000000000000000000000000000000000000001","data":"0x01","input":"0x01"}'),
        ("unknown-field", '{"chainId":"0x1","nonce":"0x0","gas":"0x5208","gasPrice":"0x1","from":"0x00"}'),
        ("not-object", '[1,2,3]'),
    ]:
        write(target, name, text)


def keystore_seeds():
    target = "FuzzKeystore"
    clear_seeds(target)
    key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    cases = [
        ("scrypt-n16", "correct horse", dict(kdf="scrypt", iterations=16)),
        ("scrypt-n64", "pw", dict(kdf="scrypt", iterations=64)),
        ("scrypt-empty-password", "", dict(kdf="scrypt", iterations=2)),
        ("pbkdf2-c1", "correct horse", dict(kdf="pbkdf2", iterations=1)),
        ("pbkdf2-c100", "correct horse battery", dict(kdf="pbkdf2", iterations=100)),
    ]
    for name, password, args in cases:
        keystore = Account.encrypt(key, password, **args)
        write(target, name, password.encode() + b"\n" + json.dumps(keystore).encode())
    fixtures = ROOT / "Tests/EVMKeysTests/Fixtures"
    for name, password in [("ea-pbkdf2-c1000", "correct horse"), ("official-scrypt", "testpassword"),
                           ("official-pbkdf2", "testpassword")]:
        write(target, f"fixture-{name}", password.encode() + b"\n" + (fixtures / f"{name}.json").read_bytes())
    scrypt = Account.encrypt(key, "pw", kdf="scrypt", iterations=16)
    params = scrypt["crypto"]["kdfparams"]
    for name, edit in [
        ("issue-huge-r", dict(n=2, r=4194304, p=2)), ("huge-n", dict(n=2**40)), ("huge-p", dict(p=10**6)),
        ("dklen-16", dict(dklen=16)), ("big-number", dict(n=10**30)),
    ]:
        edited = json.loads(json.dumps(scrypt))
        edited["crypto"]["kdfparams"] = {**params, **edit}
        write(target, name, b"pw\n" + json.dumps(edited).encode())
    write(target, "duplicate-key", b"pw\n" + json.dumps(scrypt).replace('"n": 16', '"n": 16, "n": 2').encode())
    write(target, "trailing", b"pw\n" + json.dumps(scrypt).encode() + b" {}")
    for name, text in [("key-hex", key), ("key-bare", key[2:] + "\n"), ("key-upper", "  0X" + key[2:].upper() + "\r\n"),
                       ("key-short", key[:-2]), ("key-zero", "0" * 64), ("key-order", "f" * 64)]:
        write(target, name, b"key\n" + text.encode())


def strict_json_seeds():
    target = "FuzzStrictJSON"
    clear_seeds(target)
    samples = {
        "broadcast": '{"message_type": "add_weight(address _addr, uint256 _weight)", "data": "0xd7136328"}',
        "nested": '{"a": [1, 2.5, -3e-7, {"b": [true, false, null]}], "c": {}}',
        "escapes": r'["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", "\u0000"]',
        "utf8": '"héllo wörld 中文 😀"',
        "numbers": '[0, -0, 1e10, 1E+2, 1.0e-2, 123456789012345678901234567890]',
        "scalar": "null",
        "whitespace": ' \t\n\r{ "k" :\n"v" }\r\n ',
        "deep": "[" * 10 + "]" * 10,
        "duplicate": '{"data": "0x01", "data": "0x02"}',
        "trailing": '{"a": 1} {"b": 2}',
        "lone-surrogate": r'"\ud800"',
        "leading-zero": "[01]",
        "control": '"a\tb"',
        "unterminated": '{"a": "b',
        "keystore": (ROOT / "Tests/EVMKeysTests/Fixtures/ea-pbkdf2-c1000.json").read_text(),
    }
    for name, text in samples.items():
        write(target, name, text)
    for index, vector in enumerate(signing_vectors()[:10]):
        write(target, f"tx-{index:02}", json.dumps(vector["transaction"], indent=1))


if __name__ == "__main__":
    signature_calldata_seeds()
    rlp_seeds()
    transaction_object_seeds()
    keystore_seeds()
    strict_json_seeds()
    for folder in sorted(CORPUS.iterdir()):
        print(folder.name, len(list(folder.iterdir())), "files")
