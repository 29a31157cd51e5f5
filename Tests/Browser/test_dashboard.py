"""The dashboard in headless Debian Chromium, as an operator uses it: log in, filter the failed
requests, search one by a hash it was sent under, open it, retry it, confirm, and follow the
new request to the chain. With BROADCASTER_SCREENSHOTS=DIR it also writes the overview, list,
detail and retry confirmation, light and dark, desktop and phone width, into DIR."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import CONFIRMATIONS, OPERATOR, RETRY_DEADLINE

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def failed(stack):
    """Three confirmed requests, then two posted while the node is away longer than the retry
    deadline: each is given up, its cancellation takes the nonce once the node is back, and it
    ends failed with its call never mined."""
    confirmed = [stack.post(weight) for weight in (11, 12, 13)]
    for request_id in confirmed:
        stack.wait_status(request_id, {"confirmed"}, 90)
    stack.chain.call("dev_restart", {"downtime": RETRY_DEADLINE * 3})
    doomed = stack.post(14)
    # A second one, left failed for the retry confirmation's screenshot.
    spare = stack.post(15)
    view = stack.wait_status(doomed, {"failed"}, 120)
    stack.wait_status(spare, {"failed"}, 120)
    return {"confirmed": confirmed, "id": doomed, "view": view, "spare": spare}


def original_hash(view: dict) -> str:
    return next(v["hash"] for v in view["versions"] if v["kind"] == "original")


def test_log_in_find_a_failed_request_by_hash_retry_it_and_see_it_mined(stack, failed):
    base = f"http://127.0.0.1:{stack.admin_port}"
    tx_hash = original_hash(failed["view"])
    assert stack.chain.call("eth_getTransactionReceipt", tx_hash) is None, "the failed call was mined"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport=DESKTOP).new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

        page.goto(f"{base}/admin")
        expect(page).to_have_url(re.compile(r"/admin/login"))
        page.get_by_label("Name").fill(OPERATOR)
        page.get_by_label("Password").fill(stack.password)
        page.get_by_role("button", name=re.compile("log in", re.I)).click()
        expect(page.get_by_role("heading", name=re.compile("overview", re.I))).to_be_visible()

        # The list, filtered to failed requests: the two failed ones, none of the confirmed.
        page.get_by_role("link", name=re.compile("^requests$", re.I)).first.click()
        page.get_by_label(re.compile("^failed$", re.I)).check()
        page.get_by_role("button", name=re.compile("filter|apply", re.I)).click()
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(2)
        expect(page.locator("table tbody")).to_contain_text(failed["id"][:8])
        for confirmed in failed["confirmed"]:
            expect(page.locator("table tbody")).not_to_contain_text(confirmed[:8])

        # Search by the hash its call was signed under.
        page.goto(f"{base}/admin/requests")
        page.get_by_label(re.compile("search", re.I)).fill(tx_hash)
        page.get_by_label(re.compile("search", re.I)).press("Enter")
        expect(rows).to_have_count(1)
        rows.first.get_by_role("link").first.click()

        # Its page: given up, its versions; the retry confirmation shows the chain check.
        expect(page).to_have_url(re.compile(failed["id"]))
        expect(page.get_by_text(tx_hash).first).to_be_visible()
        page.get_by_role("link", name=re.compile("^retry", re.I)).click()
        expect(page.get_by_text(re.compile("no receipt", re.I)).first).to_be_visible()
        page.get_by_label(re.compile("reason", re.I)).fill("node outage on deploy day; retried by the browser test")
        page.get_by_role("button", name=re.compile("confirm", re.I)).click()

        # The new request's page, linked to the failed one; it reaches the chain.
        expect(page.get_by_text(re.compile("retry of", re.I)).first).to_be_visible()
        new_id = re.search(r"/admin/requests/([0-9a-f-]{36})", page.url).group(1)
        assert new_id != failed["id"]
        mined = stack.wait_status(new_id, {"confirmed"}, 120)
        receipt = stack.chain.call("eth_getTransactionReceipt", mined["hash"])
        assert receipt is not None and int(receipt["status"], 16) == 1
        assert int(receipt["blockNumber"], 16) + CONFIRMATIONS <= int(stack.chain.call("eth_blockNumber"), 16)
        page.reload()
        expect(page.get_by_text("confirmed").first).to_be_visible()

        # The original now says where it went, and the audit names the operator.
        page.goto(f"{base}/admin/requests/{failed['id']}")
        expect(page.get_by_text(new_id).first).to_be_visible()
        page.goto(f"{base}/admin/audit")
        expect(page.get_by_text(OPERATOR).first).to_be_visible()
        assert errors == [], f"console errors: {errors}"
        browser.close()


def test_screenshots(stack, failed):
    folder = os.environ.get("BROADCASTER_SCREENSHOTS")
    if not folder:
        pytest.skip("set BROADCASTER_SCREENSHOTS=DIR to write the screenshots")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{stack.admin_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        for scheme in ("light", "dark"):
            for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                page.goto(f"{base}/admin/login")
                page.get_by_label("Name").fill(OPERATOR)
                page.get_by_label("Password").fill(stack.password)
                page.get_by_role("button", name=re.compile("log in", re.I)).click()
                for name, path in (("overview", "/admin"), ("list", "/admin/requests"),
                                   ("detail", f"/admin/requests/{failed['id']}"),
                                   ("retry", f"/admin/requests/{failed['spare']}/retry")):
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{scheme}-{width_name}.png"), full_page=True)
                context.close()
        browser.close()
