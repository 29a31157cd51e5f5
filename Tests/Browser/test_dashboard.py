"""The dashboard in headless Debian Chromium, as an operator uses it: log in, watch the overview
count a new request without a reload, filter the failed requests, search one by a hash it was
sent under, open it, retry it, confirm, and follow the new request to the chain. With
BROADCASTER_SCREENSHOTS=DIR it also writes the overview, list, detail and retry confirmation,
light and dark, desktop and phone width, into DIR (docs/screenshots holds the committed ones)."""

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import CONFIRMATIONS, OPERATOR, RETRY_DEADLINE

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


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


def log_in(page, base: str, password: str) -> None:
    page.goto(f"{base}/admin")
    expect(page).to_have_url(re.compile(r"/admin/login$"))
    page.fill("input[name=user]", OPERATOR)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin$"))


def test_log_in_find_a_failed_request_by_hash_retry_it_and_see_it_mined(stack, failed):
    base = f"http://127.0.0.1:{stack.admin_port}"
    tx_hash = original_hash(failed["view"])
    assert stack.chain.call("eth_getTransactionReceipt", tx_hash) is None, "the failed call was mined"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport=VIEWPORTS["desktop"]).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, base, stack.password)

        # The overview counts a request posted now, in place: the page is not loaded again.
        total = page.locator("[data-live=total]")
        before = int(total.inner_text().replace(",", "").strip())
        page.evaluate("window.__notReloaded = true")
        stack.wait_status(stack.post(16), {"confirmed"}, 90)
        expect(total).to_have_text(re.compile(rf"^\s*{before + 1}\s*$"), timeout=30_000)
        assert page.evaluate("window.__notReloaded === true"), "the overview was reloaded"

        # The list, filtered to failed requests: the two failed ones, none of the confirmed.
        page.goto(f"{base}/admin/requests")
        page.check("input[name=status][value=failed]")
        page.click(".filters button[type=submit]")
        expect(page).to_have_url(re.compile(r"status=failed"))
        body = page.locator("table tbody")
        expect(body.locator(f"a[href='/admin/requests/{failed['id']}']")).to_have_count(1)
        expect(body.locator(f"a[href='/admin/requests/{failed['spare']}']")).to_have_count(1)
        for confirmed in failed["confirmed"]:
            expect(body.locator(f"a[href='/admin/requests/{confirmed}']")).to_have_count(0)

        # Search by the hash its call was signed under (the filter unticked: search alone).
        page.uncheck("input[name=status][value=failed]")
        page.fill("input[name=q]", tx_hash)
        page.click(".filters button[type=submit]")
        expect(body.locator("tr")).to_have_count(1)
        body.locator(f"a[href='/admin/requests/{failed['id']}']").first.click()

        # Its page: its calldata decoded, its versions; the retry page shows the chain check.
        expect(page).to_have_url(re.compile(failed["id"] + "$"))
        expect(page.locator("td", has_text="_addr").first).to_be_visible()
        expect(page.get_by_text(tx_hash).first).to_be_visible()
        page.click(f"a[href='/admin/requests/{failed['id']}/retry']")
        expect(page.locator("form button[type=submit]", has_text="Confirm the retry")).to_be_visible()
        expect(page.get_by_text(tx_hash).first).to_be_visible()
        expect(page.locator("main")).to_contain_text("its cancellation")
        page.fill("input[name=reason], textarea[name=reason]", "node outage on deploy day; retried by the browser test")
        # A double click is one retry: the click key makes the second submit the same request.
        page.locator("form button[type=submit]", has_text="Confirm the retry").dblclick()

        # The new request's page, linked to the failed one; it reaches the chain.
        expect(page).to_have_url(re.compile(r"/admin/requests/[0-9a-f-]{36}$"))
        new_id = re.search(r"/admin/requests/([0-9a-f-]{36})$", page.url).group(1)
        assert new_id != failed["id"]
        expect(page.locator(f"a[href='/admin/requests/{failed['id']}']").first).to_be_visible()
        mined = stack.wait_status(new_id, {"confirmed"}, 120)
        receipt = stack.chain.call("eth_getTransactionReceipt", mined["hash"])
        assert receipt is not None and int(receipt["status"], 16) == 1
        # Confirmations count the block itself: head - block + 1.
        assert int(stack.chain.call("eth_blockNumber"), 16) - int(receipt["blockNumber"], 16) + 1 >= CONFIRMATIONS
        page.reload()
        expect(page.locator("main")).to_contain_text("confirmed")

        # The original names its retry and offers no second one; the audit names the operator.
        page.goto(f"{base}/admin/requests/{failed['id']}")
        expect(page.locator(f"a[href='/admin/requests/{new_id}']").first).to_be_visible()
        expect(page.locator(f"a[href='/admin/requests/{failed['id']}/retry']")).to_have_count(0)
        page.goto(f"{base}/admin/audit")
        expect(page.locator("main")).to_contain_text(OPERATOR)
        expect(page.locator("main")).to_contain_text("node outage on deploy day")
        assert errors == [], f"script errors: {errors}"
        browser.close()

    # One retry on the chain: the weight of the failed request was mined exactly once.
    data = stack.sender.calldata(14)
    head = int(stack.chain.call("eth_blockNumber"), 16)
    carrying = []
    for number in range(head + 1):
        block = stack.chain.call("eth_getBlockByNumber", hex(number), True)
        carrying += [tx["hash"] for tx in block["transactions"] if tx["input"] == data]
    assert carrying == [mined["hash"]], f"the failed request's call is on chain {len(carrying)} times"


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
            for width, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                log_in(page, base, stack.password)
                for name, path in (("overview", "/admin"), ("list", "/admin/requests"),
                                   ("detail", f"/admin/requests/{failed['id']}"),
                                   ("retry", f"/admin/requests/{failed['spare']}/retry")):
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{width}-{scheme}.png"), full_page=True)
                context.close()
        browser.close()
