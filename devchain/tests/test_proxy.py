"""The flaky proxy reproduces the unreliable node: seeded outcomes, silent calls that may
still land, and errors that never reach the node."""

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from eth_account import Account

from conftest import DEV_KEYS, Client, Process, raw_hex, transfer, tx_hash

TIME_SCALE = "100"   # 20-30 s latency becomes 0.2-0.3 s


def flaky(node, *options: str) -> Process:
    return Process("flaky_proxy.py", "--upstream", node.url, "--time-scale", TIME_SCALE, "--seed", "7", *options)


def call_once(url: str, payload: dict) -> tuple[str, float, object]:
    """One request on its own connection: ("ok" | "http_NNN" | "rpc_error" | "silent", seconds, detail)."""
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    started = time.monotonic()
    try:
        connection.request("POST", "/", json.dumps(payload), {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return "silent", time.monotonic() - started, None
    finally:
        connection.close()
    elapsed = time.monotonic() - started
    if response.status != 200:
        return f"http_{response.status}", elapsed, body
    answer = json.loads(body)
    if isinstance(answer, list):
        return ("rpc_error" if any("error" in a for a in answer) else "ok"), elapsed, answer
    if "error" in answer:
        return "rpc_error", elapsed, answer["error"]
    return "ok", elapsed, answer["result"]


def stats(url: str) -> dict:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    connection.request("GET", "/stats")
    return json.loads(connection.getresponse().read())


BLOCK_NUMBER = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}


def test_default_outcome_mix_over_300_calls(node):
    proxy = flaky(node)
    try:
        with ThreadPoolExecutor(max_workers=60) as pool:
            results = list(pool.map(lambda _: call_once(proxy.url, BLOCK_NUMBER), range(300)))
        counters = stats(proxy.url)
    finally:
        assert proxy.stop() == 0
    kinds = [kind for kind, _, _ in results]
    silent, ok = kinds.count("silent"), kinds.count("ok")
    errors = len(kinds) - silent - ok
    assert silent <= 10 and 3 <= errors <= 25 and ok >= 265, (silent, errors, ok)
    assert all(elapsed >= 0.19 for kind, elapsed, _ in results if kind == "ok")
    assert all(error == {"code": -32000, "message": m} for kind, _, error in results if kind == "rpc_error"
               for m in [error["message"]]) and {
        error["message"] for kind, _, error in results if kind == "rpc_error"} <= {"internal error", "request timed out"}
    assert set(kinds) <= {"ok", "silent", "rpc_error", "http_502", "http_503"}
    assert counters["requests"] == 300 and counters.get("ok", 0) == ok
    assert counters.get("silent_forwarded", 0) + counters.get("silent_dropped", 0) == silent
    assert counters.get("http_502", 0) == kinds.count("http_502")
    assert counters.get("max_in_flight", 0) > 1
    assert any("flaky-proxy stats" in line for line in proxy.stderr_lines)


def test_silent_but_forwarded_transaction_lands(node):
    proxy = flaky(node, "--p-silent", "1", "--p-error", "0", "--silent-forward-fraction", "1")
    signed = transfer(DEV_KEYS[5], 0)
    try:
        kind, elapsed, _ = call_once(proxy.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                                                 "params": [raw_hex(signed)]})
    finally:
        proxy.stop()
    assert kind == "silent" and elapsed >= 0.44   # held latency-max * 1.5, then closed
    receipt = Client(node.url).wait_receipt("0x" + bytes(signed.hash).hex())
    assert receipt["status"] == "0x1"


def test_silent_dropped_and_error_calls_never_reach_the_node(node):
    direct = Client(node.url)
    key = DEV_KEYS[6]
    address = Account.from_key(key).address
    dropped = flaky(node, "--p-silent", "1", "--p-error", "0", "--silent-forward-fraction", "0")
    failing = flaky(node, "--p-silent", "0", "--p-error", "1")
    signed = [transfer(key, nonce) for nonce in range(43)]
    routes = [(dropped.url, tx) for tx in signed[:3]] + [(failing.url, tx) for tx in signed[3:]]

    def send(route):
        url, tx = route
        payload = {"jsonrpc": "2.0", "id": 9, "method": "eth_sendRawTransaction",
                   "params": [raw_hex(tx)]}
        return call_once(url, payload)[0]

    try:
        with ThreadPoolExecutor(max_workers=43) as pool:
            kinds = list(pool.map(send, routes))
        error_stats = stats(failing.url)
    finally:
        dropped.stop()
        failing.stop()
    assert kinds[:3] == ["silent"] * 3
    assert set(kinds[3:]) <= {"rpc_error", "http_502", "http_503"}
    assert all(direct("eth_getTransactionByHash", "0x" + bytes(tx.hash).hex()) is None for tx in signed)
    assert direct("eth_getTransactionCount", address, "pending") == "0x0"
    assert error_stats.get("ok", 0) == 0 and error_stats["requests"] == 40
    assert {kind for kind in error_stats if kind.startswith(("http_", "rpc_"))} >= {"http_502", "rpc_internal_error"}


def test_batch_error_answers_echo_every_id(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "1", "--seed", "3")
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId", "params": []} for i in (4, 5)]
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(lambda _: call_once(proxy.url, batch), range(12)))
    finally:
        proxy.stop()
    batch_errors = [detail for kind, _, detail in results if kind == "rpc_error"]
    assert batch_errors and all(kind != "ok" for kind, _, _ in results)
    assert all([answer["id"] for answer in answers] == [4, 5] for answers in batch_errors)


def test_ready_line_names_a_bound_port(node):
    proxy = flaky(node)
    try:
        assert proxy.url.startswith("http://127.0.0.1:") and int(proxy.url.rsplit(":", 1)[1]) > 0
        assert stats(proxy.url)["requests"] == 0
    finally:
        assert proxy.stop() == 0


def test_dev_commands_pass_straight_through_without_a_draw(start_node):
    node_process, node_client = start_node()
    reference = flaky(node_process, "--p-silent", "0", "--p-error", "0.5", "--seed", "21")
    with_commands = flaky(node_process, "--p-silent", "0", "--p-error", "0.5", "--seed", "21")
    mine = {"jsonrpc": "2.0", "id": 3, "method": "dev_mine", "params": [1]}
    try:
        plain = [call_once(reference.url, BLOCK_NUMBER)[0] for _ in range(16)]
        mixed = []
        for _ in range(16):
            kind, elapsed, answer = call_once(with_commands.url, mine)
            assert kind == "ok" and answer[0]["transactions"] == "0x0" and elapsed < 5
            mixed.append(call_once(with_commands.url, BLOCK_NUMBER)[0])
        batch_kind, _, answers = call_once(with_commands.url, [mine, dict(mine, id=4)])
        counters = stats(with_commands.url)
    finally:
        reference.stop()
        with_commands.stop()
    assert plain == mixed and set(plain) > {"ok"}          # the same draws, commands or not
    assert batch_kind == "ok" and [a["id"] for a in answers] == [3, 4]
    assert counters["dev_passthrough"] == 17 and counters["requests"] == 16
    assert node_client("eth_blockNumber") == hex(18)


def test_a_batch_is_answered_element_by_element_through_the_proxy(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "0")
    batch = [{"jsonrpc": "2.0", "id": "a", "method": "eth_chainId", "params": []},
             {"jsonrpc": "2.0", "id": 7, "method": "eth_nope", "params": []},
             {"jsonrpc": "2.0", "id": None, "method": "eth_getBalance", "params": ["0x12"]},
             {"jsonrpc": "2.0", "id": 9, "method": "eth_getTransactionReceipt", "params": ["0x" + "00" * 32]}]
    try:
        kind, _, answers = call_once(proxy.url, batch)
    finally:
        proxy.stop()
    assert kind == "rpc_error" and [a["id"] for a in answers] == ["a", 7, None, 9]
    assert answers[0]["result"] == hex(131277322940537)
    assert answers[1]["error"]["code"] == -32601 and answers[2]["error"]["code"] == -32602
    assert answers[3] == {"jsonrpc": "2.0", "id": 9, "result": None}


def test_a_silent_batch_is_lost_whole_and_may_still_land_whole(node):
    proxy = flaky(node, "--p-silent", "1", "--p-error", "0", "--silent-forward-fraction", "1")
    signed = [transfer(DEV_KEYS[7], nonce) for nonce in range(2)]
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw_hex(tx)]}
             for i, tx in enumerate(signed)]
    try:
        kind, _, _ = call_once(proxy.url, batch)
    finally:
        proxy.stop()
    assert kind == "silent"
    direct = Client(node.url)
    assert all(direct.wait_receipt(tx_hash(tx))["status"] == "0x1" for tx in signed)


def test_fault_methods_fault_only_those_calls_and_the_rest_pass_without_a_draw(node):
    proxy = flaky(node, "--p-silent", "1", "--p-error", "0", "--silent-forward-fraction", "1",
                  "--fault-methods", "eth_sendRawTransaction")
    signed = transfer(DEV_KEYS[8], 0)
    send = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw_hex(signed)]}
    try:
        reads = [call_once(proxy.url, BLOCK_NUMBER)[0] for _ in range(5)]
        mixed_batch = call_once(proxy.url, [BLOCK_NUMBER, send])[0]
        lost = call_once(proxy.url, send)[0]
        counters = stats(proxy.url)
    finally:
        proxy.stop()
    assert reads == ["ok"] * 5                     # answered although every draw would be silent
    assert mixed_batch == "silent" and lost == "silent"
    assert counters["passthrough"] == 5 and counters["requests"] == 2
    assert counters["silent_forwarded"] == 2
    receipt = Client(node.url).wait_receipt(tx_hash(signed))   # forwarded: it landed all the same
    assert receipt["status"] == "0x1"


def test_an_outage_refuses_connections_then_listens_on_the_same_port_again(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "0")
    parsed = urlparse(proxy.url)
    held = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        held.request("POST", "/", json.dumps(BLOCK_NUMBER), {"Content-Type": "application/json"})
        assert held.getresponse().read()            # a kept-alive connection from before
        control = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        control.request("POST", "/_proxy/outage", json.dumps({"seconds": 1.5}), {"Content-Type": "application/json"})
        started = control.getresponse()
        assert started.status == 200 and json.loads(started.read()) == {"seconds": 1.5}
        control.close()
        time.sleep(0.3)
        refused = None
        try:
            call_once(proxy.url, BLOCK_NUMBER)
        except ConnectionRefusedError as error:
            refused = error
        assert refused is not None, "a new connection during the outage was not refused"
        cut = None
        try:
            held.request("POST", "/", json.dumps(BLOCK_NUMBER), {"Content-Type": "application/json"})
            held.getresponse().read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            cut = error
        assert cut is not None, "a connection held from before the outage was still answered"
        deadline = time.monotonic() + 10
        while True:
            try:
                kind, _, answer = call_once(proxy.url, BLOCK_NUMBER)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the proxy did not listen again"
                time.sleep(0.1)
        counters = stats(proxy.url)
    finally:
        held.close()
        proxy.stop()
    assert kind == "ok" and answer == Client(node.url)("eth_blockNumber")
    assert counters["outages"] == 1


def test_an_outage_command_is_strict(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "0")
    parsed = urlparse(proxy.url)
    try:
        for body in ('{"seconds": 0}', '{"seconds": true}', '{"seconds": 1, "extra": 1}', 'nope', '{"seconds": 4000}'):
            control = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            control.request("POST", "/_proxy/outage", body, {"Content-Type": "application/json"})
            answer = control.getresponse()
            assert answer.status == 400, body
            answer.read()
            control.close()
        assert call_once(proxy.url, BLOCK_NUMBER)[0] == "ok"
        assert stats(proxy.url)["outages"] == 0
    finally:
        proxy.stop()


def test_a_batch_is_one_draw_and_counts_its_calls(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "0")
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId", "params": []} for i in range(50)]
    try:
        kind, _, answers = call_once(proxy.url, batch)
        single = call_once(proxy.url, BLOCK_NUMBER)
        counters = stats(proxy.url)
    finally:
        proxy.stop()
    assert kind == "ok" and sorted(a["id"] for a in answers) == list(range(50))
    assert single[0] == "ok"
    assert counters["requests"] == 2 and counters["batches"] == 1 and counters["calls"] == 51 and counters["ok"] == 2


def test_a_silent_batch_answers_none_of_its_calls(node):
    proxy = flaky(node, "--p-silent", "1", "--p-error", "0", "--silent-forward-fraction", "0")
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId", "params": []} for i in range(20)]
    try:
        kind, _, _ = call_once(proxy.url, batch)
        counters = stats(proxy.url)
    finally:
        proxy.stop()
    assert kind == "silent"
    assert counters["silent_dropped"] == 1 and counters["calls"] == 20


def test_a_failed_batch_fails_whole_over_http_or_per_element(node):
    proxy = flaky(node, "--p-silent", "0", "--p-error", "1", "--seed", "11")
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId", "params": []} for i in (1, 2, 3)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: call_once(proxy.url, batch), range(24)))
    finally:
        proxy.stop()
    kinds = {kind for kind, _, _ in results}
    assert "ok" not in kinds and kinds & {"http_502", "http_503"} and "rpc_error" in kinds
    for kind, _, detail in results:
        if kind == "rpc_error":
            assert sorted(a["id"] for a in detail) == [1, 2, 3] and all("error" in a for a in detail)
