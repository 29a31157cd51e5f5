"""A node restarted without its journal: the chain stays, the pool is gone."""

import http.client
import signal
import time

from eth_account import Account

from conftest import DEV_KEYS, Client, transfer, tx_hash

KEY = DEV_KEYS[0]
ADDRESS = Account.from_key(KEY).address


def test_restart_forgets_the_pool_and_keeps_the_blocks(start_node):
    _, client = start_node()
    mined = transfer(KEY, 0)
    client.send(mined)
    client("dev_mine")
    receipt = client("eth_getTransactionReceipt", tx_hash(mined))
    pooled = [transfer(KEY, 1), transfer(KEY, 3)]
    for signed in pooled:
        client.send(signed)
    head = client("eth_getBlockByNumber", "latest", False)

    assert client("dev_restart") == {"forgotten": "0x2"}

    assert all(client("eth_getTransactionByHash", tx_hash(s)) is None for s in pooled)
    assert client("txpool_status") == {"pending": "0x0", "queued": "0x0"}
    assert client("eth_getTransactionCount", ADDRESS, "pending") == "0x1"
    assert client("eth_getTransactionReceipt", tx_hash(mined)) == receipt
    assert client("eth_getBlockByNumber", "latest", False) == head
    client.send(pooled[0])                        # not "already known": the node forgot it
    client("dev_mine")
    assert client("eth_getTransactionCount", ADDRESS, "latest") == "0x2"


def test_a_restart_with_downtime_cuts_calls_off_unanswered(start_node):
    process, client = start_node()
    client.send(transfer(KEY, 0))
    client("dev_restart", {"downtime": 1.5})
    started = time.monotonic()
    try:
        Client(process.url)("eth_blockNumber")
        raise AssertionError("the node answered during its downtime")
    except (http.client.RemoteDisconnected, ConnectionResetError):
        pass
    deadline = started + 20
    while True:
        try:
            answer = Client(process.url)("txpool_status")
            break
        except (http.client.RemoteDisconnected, ConnectionResetError):
            assert time.monotonic() < deadline, "the node never came back"
            time.sleep(0.1)
    assert time.monotonic() - started >= 1.0
    assert answer == {"pending": "0x0", "queued": "0x0"}
    for options in ({"downtime": -1}, {"downtime": "1"}, {"down": 1}, [1]):
        assert Client(process.url).raw("dev_restart", options)["error"]["code"] == -32602


def test_sighup_restarts_the_node_like_dev_restart(start_node):
    process, client = start_node()
    signed = transfer(KEY, 0)
    client.send(signed)
    process.popen.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while client("eth_getTransactionByHash", tx_hash(signed)) is not None:
        assert time.monotonic() < deadline, "SIGHUP did not empty the pool"
        time.sleep(0.05)
    assert client("eth_blockNumber") == "0x0"
