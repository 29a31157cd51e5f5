"""The configuration the API and workers of a chaos run share, with short timers so that a run
of minutes exercises re-sends, bumps, leases and confirmations.

Keys of issue 7 (`tracking.*`, `retry.deadline`, `worker.leaseLength`) are written whether or
not the binary knows them: the configuration reader ignores keys it does not read. `retry.attempts`
is left out on purpose: issue 7 removes it and refuses a file that still sets it.
"""

import json
import os
from pathlib import Path

from .senders import CONTRACT, GAS_LIMIT, Sender

CHAIN_ID = 131277322940537
REQUESTS_TOPIC = "broadcaster.requests"
RESULTS_TOPIC = "broadcaster.results"


def call_timeout(time_scale: float) -> float:
    """Longer than the proxy's slowest answer (30 s scaled) with room for a loaded machine,
    shorter than a silent call (45 s scaled) is held when the scale leaves that apart."""
    return round(max(2.0, 60.0 / time_scale + 1.0), 2)


def write(folder: Path, *, broker: str, rpc_url: str, api_port: int, senders: list[Sender],
          time_scale: float, confirmations: int, retry_deadline: float, postgres_url: str | None = None) -> Path:
    signers: dict = {"names": [s.signer_name for s in senders]}
    message_types: dict = {"names": [s.message_type for s in senders]}
    for sender in senders:
        key_file = folder / f"{sender.signer_name}.key"
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(sender.key_hex + "\n")
        signers[sender.signer_name] = {"keyFile": str(key_file), "address": sender.address}
        message_types[sender.message_type] = {"signature": sender.signature, "contract": CONTRACT,
                                              "signer": sender.signer_name, "gasLimit": GAS_LIMIT}
    configuration = {
        "kafka": {"brokers": broker, "requestsTopic": REQUESTS_TOPIC, "resultsTopic": RESULTS_TOPIC,
                  "consumerGroup": "broadcaster-workers", "produceTimeout": 5, "sessionTimeout": 6},
        "rpc": {"endpoints": [rpc_url], "callTimeout": call_timeout(time_scale), "chainID": CHAIN_ID},
        "retry": {"initialDelay": 0.2, "multiplier": 2, "maxDelay": 2, "jitter": 0.2, "deadline": retry_deadline},
        "store": ({"kind": "postgres", "url": postgres_url, "busyTimeout": 5} if postgres_url
                  else {"path": str(folder / "broadcaster.sqlite"), "busyTimeout": 5}),
        "api": {"host": "127.0.0.1", "port": api_port},
        # Each worker's health server on a free port: several run on one host.
        "worker": {"port": 0, "leaseLength": 6},
        "tracking": {"confirmations": confirmations, "poolCheckAfter": 5, "bumpAfter": 20,
                     "bumpAfterBlocks": 10, "pollInterval": 0.5},
        "fees": {"maxFeePerGasGwei": 100, "maxPriorityFeePerGasGwei": 2},
        "signers": signers,
        "messageTypes": message_types,
    }
    path = folder / "broadcaster.json"
    path.write_text(json.dumps(configuration, indent=2, sort_keys=True) + "\n")
    return path
