"""The `dev_` JSON-RPC methods: commands that make the chain misbehave on purpose.

They are always served (the node is for tests only, bound to loopback by default) and a
real node answers them with -32601, so nothing but a test can depend on them. Parameters
are strict: unknown option keys are -32602.
"""

from rpc_params import INVALID_PARAMS, RPCError, invalid, param, parse_bytes, parse_quantity
from serialize import data, quantity

MAX_MINE_BLOCKS = 1000
MAX_DOWNTIME_SECONDS = 3600.0


class DevMethods:
    """Mixed into rpc.Methods; uses its `node` and parameter helpers."""

    def dev_mine(self, params):
        """dev_mine([count]): mines `count` blocks (default 1) from the pool now, whatever the
        block time. Returns [{"number", "hash", "transactions"}] of the new blocks."""
        count = parse_quantity(param(params, 0, "count", 1), "count")
        if not 1 <= count <= MAX_MINE_BLOCKS:
            raise invalid(f"invalid argument 0: count must be 1 to {MAX_MINE_BLOCKS}")
        return [_head(block) | {"transactions": quantity(len(block.tx_hashes))}
                for block in self.node.mine_blocks(count)]

    def dev_reorg(self, params):
        """dev_reorg(depth) or dev_reorg({"depth", "blocks"?, "dropTransactions"?}): replaces
        the last `depth` blocks by `blocks` (default depth + 1) empty ones. The replaced
        blocks' transactions go back to the pool unless dropTransactions is true (then they
        vanish and must be sent again). Returns {"oldHead", "newHead", "reinjected",
        "forgotten"}."""
        options = param(params, 0, "depth")
        if not isinstance(options, dict):
            options = {"depth": options}
        unknown = set(options) - {"depth", "blocks", "dropTransactions"}
        if unknown:
            raise invalid(f"invalid argument 0: unknown option {sorted(unknown)[0]}")
        if "depth" not in options:
            raise invalid("invalid argument 0: depth is required")
        depth = parse_quantity(options["depth"], "depth")
        length = parse_quantity(options.get("blocks", depth + 1), "blocks")
        drop = options.get("dropTransactions", False)
        if not isinstance(drop, bool):
            raise invalid("invalid argument 0: dropTransactions must be true or false")
        try:
            result = self.node.reorg(depth, length, 1.0 if drop else 0.0)
        except ValueError as error:
            raise RPCError(INVALID_PARAMS, f"invalid argument 0: {error}") from None
        return {
            "oldHead": _head(result["oldHead"]),
            "newHead": _head(result["newHead"]),
            "reinjected": [data(h) for h in result["reinjected"]],
            "forgotten": [data(h) for h in result["forgotten"]],
        }

    def dev_restart(self, params):
        """dev_restart([{"downtime": seconds}]): forgets the pool (blocks stay) and cuts every
        call off unanswered for `downtime` seconds (default 0). Returns {"forgotten": n}."""
        options = param(params, 0, "options", {})
        if not isinstance(options, dict) or set(options) - {"downtime"}:
            raise invalid("invalid argument 0: expected {\"downtime\": seconds}")
        downtime = options.get("downtime", 0)
        if isinstance(downtime, bool) or not isinstance(downtime, (int, float)) \
                or not 0 <= downtime <= MAX_DOWNTIME_SECONDS:
            raise invalid(f"invalid argument 0: downtime must be 0 to {MAX_DOWNTIME_SECONDS:g} seconds")
        return {"forgotten": quantity(self.node.restart(float(downtime)))}

    def dev_dropTransaction(self, params):
        """dev_dropTransaction(hash): evicts a pooled transaction; false if it was not pooled
        (mined transactions stay mined)."""
        return self.node.drop_transaction(parse_bytes(param(params, 0, "hash"), "hash", 32))

    def dev_setBaseFee(self, params):
        """dev_setBaseFee(wei | null): pins the base fee of every next block; null lets
        EIP-1559 move it from the last block again."""
        value = params[0] if params else None
        self.node.set_base_fee(None if value is None else parse_quantity(value, "baseFee"))
        return None


def _head(block) -> dict:
    return {"number": quantity(block.number), "hash": data(block.hash)}
