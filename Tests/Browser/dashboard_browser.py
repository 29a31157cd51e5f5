"""The dashboard in headless Chromium (Debian's /usr/bin/chromium) against a running local stack
(scripts/run-local): log in, see the overview, post requests through the API, find one by its
hash in the list, open it, look at its retry page; screenshots of each page, light and dark,
desktop and phone width, into docs/screenshots/.

    .venv/bin/python Tests/Browser/dashboard_browser.py [--admin URL] [--api URL] [--password-file F]

Exits non-zero on the first page that does not show what it should.
"""

import argparse
import json
import pathlib
import sys
import urllib.request

from playwright.sync_api import sync_playwright

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = {
    "message_type": "add_weight(address _addr, uint256 _weight)",
    "data": "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a00000000000000000000000000000000000000000000000000000000000000fa",
}
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def broadcast(api):
    request = urllib.request.Request(
        api + "/transaction/broadcast", data=json.dumps(EXAMPLE).encode(),
        headers={"Content-Type": "application/json", "Prefer": "wait=30"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def transaction(api, request_id):
    with urllib.request.urlopen(f"{api}/transaction/{request_id}", timeout=30) as response:
        return json.loads(response.read())


def check(condition, what):
    if not condition:
        raise SystemExit(f"dashboard_browser: FAILED: {what}")
    print(f"ok: {what}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin", default="http://127.0.0.1:8081")
    parser.add_argument("--api", default="http://127.0.0.1:8080")
    parser.add_argument("--user", default="local")
    parser.add_argument("--password-file", default=str(REPO / "run/admin-password"))
    parser.add_argument("--shots", default=str(REPO / "docs/screenshots"))
    options = parser.parse_args()
    password = pathlib.Path(options.password_file).read_text().strip()
    shots = pathlib.Path(options.shots)
    shots.mkdir(parents=True, exist_ok=True)

    posted = [broadcast(options.api) for _ in range(3)]
    request_id = posted[-1]["id"]
    details = transaction(options.api, request_id)
    versions = details.get("versions") or []
    check(bool(versions), f"the API shows a signed version of {request_id}")
    tx_hash = versions[0]["hash"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for scheme in ("light", "dark"):
            for name, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                errors = []
                # Script exceptions only: a 409 retry page or the browser's favicon.ico 404 is not one.
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(options.admin + "/admin")
                check(page.url.endswith("/admin/login"), "a page without a login goes to the login page")
                page.fill("input[name=user]", options.user)
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                page.wait_for_url(options.admin + "/admin")
                check(page.locator("[data-live=total]").inner_text().strip() != "", "the overview shows the counters")
                # The script refreshes the numbers in place (every 5 s) without reloading the page.
                page.wait_for_timeout(6000)
                check(page.url.endswith("/admin") and page.locator("[data-live=total]").count() == 1, "the overview is still the same page")
                page.screenshot(path=str(shots / f"overview-{name}-{scheme}.png"), full_page=True)

                page.goto(options.admin + "/admin/requests?status=failed&status=reverted")
                check(page.locator("input[name=status][value=failed]").is_checked(), "the failed filter stays in the form")
                page.uncheck("input[name=status][value=failed]")
                page.uncheck("input[name=status][value=reverted]")
                page.fill("input[name=q]", tx_hash[:14])
                page.click(".filters button[type=submit]")
                page.wait_for_load_state()
                check(page.locator(f"a[href='/admin/requests/{request_id}']").count() == 1, f"the hash prefix {tx_hash[:14]} finds {request_id}")
                page.goto(options.admin + "/admin/requests")
                page.screenshot(path=str(shots / f"list-{name}-{scheme}.png"), full_page=True)

                page.goto(options.admin + f"/admin/requests/{request_id}")
                check(page.locator("td", has_text="_addr").count() >= 1, "the detail decodes the calldata with its parameter names")
                check(page.locator("text=" + tx_hash).count() >= 1, "the detail shows the signed version's hash")
                page.screenshot(path=str(shots / f"detail-{name}-{scheme}.png"), full_page=True)

                page.goto(options.admin + f"/admin/requests/{request_id}/retry")
                check(page.locator(".error").count() >= 1, "the retry page of a request that is not failed refuses")
                page.screenshot(path=str(shots / f"retry-{name}-{scheme}.png"), full_page=True)
                check(not errors, f"no script errors ({errors})")
                context.close()
        browser.close()
    print("dashboard_browser: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
