#!/usr/bin/python3
"""The operator dashboard as a person uses it, in a headless Chromium
(Debian's chromium-driver and python3-selenium): served by the bank service
(the service kit) and by `mink serve --store URL` on the same PostgreSQL
schema. The page loads without console errors, shows a projection's
position after known appends, pauses and resumes projections (the engine
obeys, also when the page is served by another process), browses a stream's
events, and refuses a wrong token.

usage: dashboard_test.py BANK MINK WORKDIR  (MINK_TEST_PG, MINK_TEST_PG_URL set)
"""
import json
import os
import sys
import urllib.request

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from script_checks import (check, console_errors, drop_schema,  # noqa: E402
                           fresh_dir, headless_chrome, passed, start_service,
                           wait_for)

bank, mink, work = sys.argv[1:4]
token = "dashboard-test-token-0123"
schema = "dashboard_test"
fresh_dir(work)


def http(method, url, body=None, auth=False):
    req = urllib.request.Request(url, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


def projections(base):
    return {p["name"]: p for p in http("GET", base + "/admin/projections", auth=True)["projections"]}


env = dict(os.environ, BANK_POSTGRES=os.environ["MINK_TEST_PG"],
           BANK_POSTGRES_SCHEMA=schema, BANK_PORT="0", BANK_LOG_LEVEL="warn",
           BANK_ADMIN_TOKEN=token)
drop_schema(schema)
svc, base = start_service([bank], env, work, "bank")
serve = None
driver = headless_chrome(1400, 1600)
try:
    # Known appends: five accounts, each with three deposits of 7.
    last = 0
    for k in range(5):
        last = max(last, http("POST", base + "/accounts", {"owner": "o", "id": f"d{k}"})["position"])
        for _ in range(3):
            last = max(last, http("POST", base + f"/accounts/d{k}/deposit", {"amount": 7})["position"])
    check(last >= 20, f"20 appends, last position {last}")

    def page_errors():
        return console_errors(driver)

    # The table is drawn again every two seconds: read and click through
    # the page's DOM in one step, so that no element goes stale between.
    def row(name):
        return driver.execute_script(
            "return document.querySelector(`#projections tr[data-name='${arguments[0]}']`) !== null",
            name)

    def cell(name, cls):
        return driver.execute_script(
            "const c = document.querySelector("
            "`#projections tr[data-name='${arguments[0]}'] td.${arguments[1]}`);"
            "return c ? c.textContent : null", name, cls)

    def press(name, button):
        check(driver.execute_script(
            "const b = document.querySelector("
            "`#projections tr[data-name='${arguments[0]}'] button.${arguments[1]}`);"
            "if (b) b.click(); return b !== null", name, button),
            f"no {button} button for {name}")

    def use_token(value):
        field = driver.find_element(By.ID, "token")
        field.clear()
        field.send_keys(value)
        driver.find_element(By.ID, "use-token").click()

    driver.get(base + "/dashboard")
    check(driver.title == "mink dashboard", "the page's title")
    wait_for("the health badge", lambda: driver.find_element(By.ID, "health").text == "healthy")
    check("Enter the admin token" in driver.find_element(By.ID, "projections-note").text,
          "without a token the page asks for it")
    use_token(token)
    # The position each projection shows after the known appends.
    wait_for(f"bank_accounts at position {last} on the page",
             lambda: cell("bank_accounts", "position") == str(last))
    wait_for(f"the head {last}", lambda: driver.find_element(By.ID, "head").text == f"head {last}")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#projections tbody tr")) == 4,
          "the bank's four projections are listed")
    wait_for("the charts", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#charts svg")) == 4)

    # Pause through the page: the engine stops applying events.
    press("bank_totals", "pause")
    wait_for("bank_totals paused on the page",
             lambda: cell("bank_totals", "desired") == "paused" and cell("bank_totals", "state") == "paused")
    check(projections(base)["bank_totals"]["state"] == "paused", "the engine paused bank_totals")
    after = http("POST", base + "/accounts/d0/deposit", {"amount": 7})["position"]
    wait_for("bank_accounts to apply the new deposit",
             lambda: projections(base)["bank_accounts"]["position"] >= after)
    check(projections(base)["bank_totals"]["position"] < after, "a paused projection applies nothing")
    press("bank_totals", "resume")
    wait_for("bank_totals to resume and catch up",
             lambda: cell("bank_totals", "state") == "running"
             and cell("bank_totals", "position") == str(after))

    # A stream's events, with their JSON.
    driver.find_element(By.ID, "category").send_keys("account")
    driver.find_element(By.ID, "streams-first").click()
    # Found and clicked in one script: the list is redrawn as it loads, and
    # an element found before a redraw is stale after it.
    wait_for("account-d0 in the stream list", lambda: driver.execute_script(
        "const a = [...document.querySelectorAll('a.stream')]"
        ".find(x => x.textContent === arguments[0]);"
        "if (a) a.click(); return a !== undefined", "account-d0"))
    wait_for("account-d0's events", lambda: "MoneyDeposited" in driver.execute_script(
        "return document.getElementById('events').textContent"))
    data = driver.execute_script(
        "return [...document.querySelectorAll('#events pre.data')].map(p => p.innerText)")
    check(len(data) == 5 and data[0] == '{\n  "owner": "o"\n}', f"the events' JSON: {data[:2]}")
    check(all('"amount": 7' in d for d in data[1:]), "every deposit of 7 shown")
    driver.save_screenshot(os.path.join(work, "dashboard.png"))
    errors = page_errors()
    check(not errors, f"console errors: {errors}")

    # A wrong token: the page says so and shows nothing.
    use_token("wrong-token-wrong-token")
    wait_for("the refusal", lambda: "token" in driver.find_element(By.ID, "projections-note").text.lower()
             and not row("bank_accounts"))
    # The browser logs the refused requests, and nothing else.
    errors = page_errors()
    check(errors and all("403 (Forbidden)" in e["message"] for e in errors),
          f"console errors besides the refusals: {errors}")
    print(f"bank service: position {last} shown, pause and resume obeyed, "
          f"5 events of account-d0 shown, a wrong token refused")

    # Leave the page (it would go on polling with the wrong token) and
    # forget its log before the next one.
    driver.get("about:blank")
    driver.get_log("browser")

    # `mink serve` on the same schema: the bank's projections through the
    # store, and a pause that the bank's engine obeys.
    senv = dict(os.environ, MINK_ADMIN_TOKEN=token)
    serve, sbase = start_service([mink, "--store", f"{os.environ['MINK_TEST_PG_URL']}?schema={schema}",
                          "serve", "--port", "0"], senv, work, "serve")
    driver.get(sbase + "/dashboard")
    use_token(token)
    wait_for("the bank's projections through mink serve",
             lambda: cell("bank_transfers", "position") == str(after))
    press("bank_transfers", "pause")
    wait_for("the bank's engine to pause bank_transfers",
             lambda: projections(base)["bank_transfers"]["state"] == "paused")
    press("bank_transfers", "resume")
    wait_for("the bank's engine to resume bank_transfers",
             lambda: projections(base)["bank_transfers"]["state"] == "running")
    errors = page_errors()
    check(not errors, f"console errors: {errors}")
    print("mink serve: the bank's projections shown, pause and resume obeyed by the bank")
finally:
    driver.quit()
    for p in [svc, serve]:
        if p is not None:
            p.terminate()
            p.wait(timeout=60)
passed()
