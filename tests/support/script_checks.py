"""What mink's Python script tests share: counted checks that stop the test
at the first failure, a bounded wait for a condition, a fresh work folder,
a fresh database schema, and a headless Debian Chromium that records the page's console."""
import os
import re
import shutil
import subprocess
import sys
import time

checks = 0


def check(cond, what):
    """Counts one check; fails the test naming `what` when `cond` is false."""
    global checks
    checks += 1
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def wait_for(what, fn, seconds=60):
    """Polls fn() until it is true; fails naming `what` after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    check(False, f"timed out waiting for {what}")


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def drop_schema(schema):
    """Drops `schema` (and all in it) from the test database MINK_TEST_PG,
    so that a run starts on an empty store."""
    subprocess.run(["psql", os.environ["MINK_TEST_PG"], "-qc",
                    f"DROP SCHEMA IF EXISTS {schema} CASCADE"], check=True,
                   env=dict(os.environ,
                            PGOPTIONS="-c client_min_messages=warning"))


def start_service(cmd, env, work, name):
    """Starts a program that prints `listening on http://...`, logging to
    WORK/NAME.log; returns (process, its URL) once it listens."""
    log = open(os.path.join(work, name + ".log"), "w+")
    p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)

    def url():
        log.seek(0)
        m = re.search(r"listening on (http://[0-9.:]+)", log.read())
        check(p.poll() is None, f"{name} exited")
        return m.group(1) if m else None
    return p, wait_for(f"{name} to listen", url)


def headless_chrome(width, height):
    """Debian's chromium through chromium-driver, keeping console messages."""
    from selenium import webdriver
    opts = webdriver.ChromeOptions()
    for a in ["--headless", "--no-sandbox", "--disable-gpu",
              f"--window-size={width},{height}"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts)


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def passed():
    print(f"PASS ({checks} checks)")
