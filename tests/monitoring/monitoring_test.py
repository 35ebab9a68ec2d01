#!/usr/bin/python3
"""The operator files of docs/monitoring against a running service: every
metric that the alert rules (mink-alerts.yml), the Grafana dashboard
(mink-dashboard.json) and the monitoring README name is exported by a bank
process on PostgreSQL, clustered (so that the cluster families exist), after
a few requests of each kind; every recorded `mink:` name they use is
recorded in mink-alerts.yml; every name they use is listed in the README;
and the dashboard is a Grafana dashboard whose panels all query through the
`datasource` variable. (Grafana is not in Debian: this is its test.)

usage: monitoring_test.py BANK SOURCE_DIR WORKDIR  (MINK_TEST_PG set)
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from script_checks import (check, drop_schema, fresh_dir,  # noqa: E402
                           passed, start_service, wait_for)

bank, source, work = sys.argv[1:4]
docs = os.path.join(source, "docs", "monitoring")
schema = "monitoring_test"
fresh_dir(work)


def read(name):
    with open(os.path.join(docs, name)) as f:
        return f.read()


def tokens(text):
    """Metric names (`mink_...`) and recorded names (`mink:...`, not C++'s
    `mink::`) in `text`."""
    return set(re.findall(r"\bmink(?:_|:(?!:))[A-Za-z0-9_:]*", text))


alerts, dashboard_text, readme = (read(n) for n in
                                  ["mink-alerts.yml", "mink-dashboard.json", "README.md"])
recorded = set(re.findall(r"^\s*- record: (\S+)", alerts, re.M))
check(len(recorded) >= 10, f"recording rules found: {sorted(recorded)}")

# The dashboard: a Grafana dashboard, every query through $datasource.
dashboard = json.loads(dashboard_text)
check(dashboard.get("uid") and dashboard.get("title"), "dashboard has a uid and a title")
exprs = []
panels = dashboard["panels"]
for p in panels:
    if p.get("type") == "row":
        continue
    check(p.get("datasource", {}).get("uid") == "${datasource}",
          f"panel '{p.get('title')}' queries through $datasource")
    check(p.get("targets"), f"panel '{p.get('title')}' has queries")
    for t in p["targets"]:
        check(t.get("expr"), f"panel '{p.get('title')}' has an expression")
        exprs.append(t["expr"])
variables = {v["name"] for v in dashboard["templating"]["list"]}
check({"datasource", "job", "instance"} <= variables, f"dashboard variables: {variables}")
check(len(exprs) >= 20, f"dashboard queries: {len(exprs)}")

used = {"mink-alerts.yml": tokens(alerts), "mink-dashboard.json": tokens(dashboard_text),
        "README.md": tokens(readme)}
for where, names in used.items():
    check(len(names) >= 10, f"{where} names {len(names)} metrics")
    for n in names:
        if ":" in n:
            check(n in recorded, f"{where}: {n} is recorded in mink-alerts.yml")
listed = used["README.md"]
for where in ["mink-alerts.yml", "mink-dashboard.json"]:
    for n in used[where]:
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        check(n in listed or base in listed, f"README.md lists {n} ({where} uses it)")

# A running service: a clustered bank on PostgreSQL, checking its storage
# every 200 ms.
check(os.environ.get("MINK_TEST_PG"), "MINK_TEST_PG names the test's PostgreSQL")
env = dict(os.environ, BANK_POSTGRES=os.environ["MINK_TEST_PG"],
           BANK_POSTGRES_SCHEMA=schema, BANK_PORT="0", BANK_LOG_LEVEL="warn",
           BANK_NODE_ID="node-a", BANK_NODE_ADDRESS="127.0.0.1:0",
           BANK_CLUSTER_SLICES="16", BANK_HEARTBEAT_MS="200",
           BANK_LEASE_TTL_MS="1000", BANK_STORAGE_INTERVAL_MS="200")
drop_schema(schema)


def post(url, body):
    """POSTs JSON; returns the status (errors included)."""
    req = urllib.request.Request(url, method="POST", data=json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status
    except urllib.error.HTTPError as e:
        return e.code


def scrape(base):
    """GET /metrics: each sample name with its labels and their values."""
    with urllib.request.urlopen(base + "/metrics", timeout=30) as res:
        text = res.read().decode()
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? ", line)
        labels = samples.setdefault(m.group(1), {})
        for k, v in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"', m.group(2) or ""):
            labels.setdefault(k, set()).add(v)
    return samples


def missing_from(samples, names):
    """Those of `names` that have no sample (a histogram's name counts when
    its `_count` sample is there)."""
    return {n for n in names if n not in samples and n + "_count" not in samples}


def selectors(expr):
    """(metric, label, operator, value) of each matcher in `expr`."""
    for m in re.finditer(r"\b(mink_[A-Za-z0-9_]+)\{([^}]*)\}", expr):
        for label, op, value in re.findall(
                r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"', m.group(2)):
            yield m.group(1), label, op, value


svc, base = start_service([bank], env, work, "bank")
try:
    # The node owns its slices before it takes commands (503 not_owner).
    wait_for("the account to open", lambda: post(base + "/accounts", {"owner": "o", "id": "m1"}) == 201)
    check(post(base + "/accounts", {"owner": "o", "id": "m2"}) == 201, "second account opened")
    check(post(base + "/accounts/m1/deposit", {"amount": 500}) == 200, "deposit")
    check(post(base + "/accounts/m2/withdraw", {"amount": 10**9}) == 422, "overdraft refused")
    check(post(base + "/transfers", {"from": "m1", "to": "m2", "amount": 100}) == 202, "transfer")
    wanted = set().union(*(n for w, n in used.items())) - recorded
    # Families appear with their first sample (the storage check, the
    # cluster's first heartbeat): wait for them, then name what is missing.
    deadline = time.time() + 30
    while missing_from(scrape(base), wanted) and time.time() < deadline:
        time.sleep(0.1)
    samples = scrape(base)
    missing = missing_from(samples, wanted)
    check(not missing, f"not exported by the service: {sorted(missing)}")
    # The labels the queries select on exist on their metric, and a label
    # compared for equality takes that value ("job" and "instance" are
    # Prometheus's target labels, "$..." a dashboard variable).
    matchers = 0
    for where, text in [("mink-dashboard.json", e) for e in exprs] + [("mink-alerts.yml", alerts)]:
        for metric, label, op, value in selectors(text):
            if label in ("job", "instance"):
                continue
            matchers += 1
            check(label in samples[metric], f"{where}: {metric} has a label {label}")
            if op == "=" and not value.startswith("$"):
                check(value in samples[metric][label],
                      f'{where}: {metric}{{{label}="{value}"}} is exported')
    check(matchers >= 3, f"label matchers checked: {matchers}")
    print(f"{len(wanted)} metric names used by the rules, the dashboard and the README,"
          f" all exported; {len(recorded)} recorded names; {len(exprs)} dashboard queries")
finally:
    svc.terminate()
    svc.wait(timeout=60)
passed()
