"""JSON-RPC errors and strict parameter parsing, shared by the eth_ and dev_ methods."""

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
SERVER_ERROR = -32000
EXECUTION_REVERTED = 3


class RPCError(Exception):
    def __init__(self, code: int, message: str, payload: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.payload = payload

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.payload is not None:
            error["data"] = self.payload
        return error


def invalid(message: str) -> RPCError:
    return RPCError(INVALID_PARAMS, message)


# Parameter parsing --------------------------------------------------------------------------

def parse_quantity(value, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if not isinstance(value, str) or not value.startswith(("0x", "0X")) or len(value) < 3:
        raise invalid(f"invalid argument: {name}: hex string without 0x prefix or empty")
    digits = value[2:]
    if len(digits) > 1 and digits[0] == "0":
        raise invalid(f"invalid argument: {name}: hex number with leading zero digits")
    try:
        return int(digits, 16)
    except ValueError:
        raise invalid(f"invalid argument: {name}: invalid hex string") from None


def parse_bytes(value, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise invalid(f"invalid argument: {name}: hex string without 0x prefix")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise invalid(f"invalid argument: {name}: invalid hex string") from None
    if length is not None and len(raw) != length:
        raise invalid(f"invalid argument: {name}: hex string has length {len(raw) * 2}, "
                      f"want {length * 2}")
    return raw


def parse_address(value, name: str = "address") -> bytes:
    return parse_bytes(value, name, 20)


def param(params: list, index: int, name: str, default=...):
    if index < len(params) and params[index] is not None:
        return params[index]
    if default is ...:
        raise invalid(f"missing value for required argument {index} ({name})")
    return default
