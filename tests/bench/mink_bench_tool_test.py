#!/usr/bin/python3
"""mink-bench as a user runs it: every workload in process on the memory
store, SQLite and PostgreSQL (baselines, projections), over HTTP against a
bank service on PostgreSQL, `compare`, bad input; then the HTML reports in a
headless Chromium (Debian's chromium-driver and python3-selenium): no
console error, the numbers of the JSON on the page, four charts.

usage: mink_bench_tool_test.py MINK_BENCH BANK WORKDIR  (MINK_TEST_PG_URL set)
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from script_checks import (check, console_errors, fresh_dir,  # noqa: E402
                           headless_chrome, passed, start_service)

bench, bank, work = sys.argv[1:4]
pg_url = os.environ["MINK_TEST_PG_URL"]
fresh_dir(work)


def run(name, *args, ok=True):
    """Runs mink-bench with `args`; returns (exit code, output, report)."""
    path = os.path.join(work, name + ".json")
    cmd = [bench, *args]
    if ok:
        cmd += ["--json", path, "--html", os.path.join(work, name + ".html")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = p.stdout + p.stderr
    if not ok:
        return p.returncode, out, None
    check(p.returncode == 0, f"{name}: exit {p.returncode}\n{out}")
    with open(path) as f:
        report = json.load(f)
    check(report["format"] == "mink-bench-report/1", f"{name}: format")
    check(report["errors"] == {}, f"{name}: errors {report['errors']}")
    check(report["ok"] == report["latency"]["count"] > 0, f"{name}: ok")
    lat = report["latency"]
    check(lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"],
          f"{name}: percentiles out of order {lat}")
    check(sum(b["count"] for b in lat["distribution"]) == lat["count"],
          f"{name}: the distribution loses counts")
    check("throughput" in out and "latency p99.9" in out, f"{name}: summary")
    print(f"{name}: {report['ok']} ok, {report['ok'] / report['seconds']:.0f}/s,"
          f" p99 {lat['p99'] / 1e6:.2f} ms")
    return p.returncode, out, report


short = ["--count", "2000", "--warmup", "0", "-q"]
for wl, extra in [("write", []), ("hot", []), ("mixed", ["--read-ratio", "0.5"]),
                  ("cold", ["--aggregates", "2000", "--max-alive", "100"])]:
    _, _, r = run(f"memory-{wl}", "run", "--workload", wl, *short, *extra)
    if wl == "hot":
        check(r["parameters"]["aggregates"] == "20", "hot: 20 aggregates")
    if wl == "cold":
        # Few actors live, so most commands load their aggregate first.
        check(r["spawned"] > 1500, f"cold: {r['spawned']} actors spawned")
    if wl == "mixed":
        check(r["catch_up_seconds"] >= 0 and r["lag"], "mixed: projection lag")

_, _, r = run("sqlite", "run", "--store", f"sqlite:{work}/s.db", "--baselines",
              "--baseline-events", "3000", *short)
check([b["events"] for b in r["baselines"]] == [3000, 300], "sqlite baselines")
check(r["resources"]["postgres_cpu"] < 0, "no PostgreSQL CPU on SQLite")
check(not any(n.startswith("s.db.baseline") for n in os.listdir(work)),
      "the baseline files are removed")

pg = f"{pg_url}?schema=bench_tool"
_, out, r = run("postgres", "run", "--domain", "bank", "--store", pg,
                "--projections", "--baselines", "--baseline-events", "3000",
                "--count", "3000", "--warmup", "0", "-q")
check(len(r["baselines"]) == 2 and all(b["seconds"] > 0 for b in r["baselines"]),
      "postgres baselines")
check("mink at" in out, "ratios to the baselines")
check(r["resources"]["postgres_cpu"] >= 0, "PostgreSQL CPU on this machine")
check(r["lag"] and r["catch_up_seconds"] >= 0, "projection lag")
check(r["parameters"]["projections"] == "on", "projections on")

# Over HTTP against the bank service.
# The service closes connections idle for 300 ms (the slow run below).
env = dict(os.environ, BANK_POSTGRES=os.environ.get("MINK_TEST_PG", pg_url),
           BANK_POSTGRES_SCHEMA="bench_tool_http", BANK_PORT="0",
           BANK_LOG_LEVEL="warn", BANK_IDLE_TIMEOUT_MS="300")
svc, url = start_service([bank], env, work, "bank")
try:
    for wl in ["write", "mixed"]:
        _, _, r = run(f"http-{wl}", "http", "--url", url, "--workload", wl,
                      "--aggregates", "200", "-c", "32", *short)
        check(r["store"] == url, "http: the service's URL")
        check(r["lag"], f"http {wl}: lag from /metrics")
    # 4 requests/s on 4 connections: each request goes out on a connection
    # idle for about a second, which the service has closed; the client
    # sends it again on a new one (run() checks: no error).
    _, _, r = run("http-idle", "http", "--url", url, "--aggregates", "10",
                  "-c", "4", "--rate", "4", "-d", "2", "--warmup", "0", "-q")
    check(r["ok"] == 8, f"http idle: {r['ok']} answered")
finally:
    svc.terminate()
    svc.wait(timeout=60)

code, out, _ = run("compare", "compare", f"{work}/memory-write.json",
                   f"{work}/postgres.json", "--html", f"{work}/compare.html",
                   ok=False)
check(code == 0 and "B/A" in out and "throughput" in out, f"compare: {out}")

for args, says in [(["run", "--workload", "sideways"], "unknown workload 'sideways'"),
                   (["run", "--store", "nosuch:x"], "unknown store URL"),
                   (["run", "--domain", "zoo"], "unknown domain 'zoo'"),
                   (["compare", f"{work}/s.db", f"{work}/s.db"], "not JSON"),
                   (["http", "--url", "ftp://x"], "must be http://")]:
    code, out, _ = run("bad", *args, ok=False)
    check(code != 0 and says in out, f"{args}: exit {code}, {out!r}")

# The pages in a browser.
from selenium.webdriver.common.by import By  # noqa: E402

driver = headless_chrome(1400, 2200)
try:
    with open(f"{work}/postgres.json") as f:
        r = json.load(f)
    for page, runs in [("postgres.html", 1), ("compare.html", 2)]:
        driver.get(f"file://{work}/{page}")
        errors = console_errors(driver)
        check(not errors, f"{page}: console errors {errors}")
        text = driver.find_element(By.TAG_NAME, "body").text
        ops = f"{r['latency']['count']:,}".replace(",", " ")
        check(ops in text, f"{page}: {ops} operations not shown")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        check(len(charts) == 4, f"{page}: {len(charts)} charts")
        lines = driver.find_elements(By.CSS_SELECTOR, "svg.chart polyline, svg.chart rect")
        check(len(lines) > 10, f"{page}: the charts are empty")
        driver.save_screenshot(f"{work}/{page}.png")
    print(f"pages: no console error, {ops} operations shown, 4 charts each;"
          f" screenshots in {work}")
finally:
    driver.quit()
passed()
