"""--format html in a real headless browser (Debian's chromium, driven by chromedriver
through Selenium's WebDriver client).

For lab scenarios, faults of the fault lab and a hostile server of our own, it writes the
page with `ftpdoctor probe --format html`, opens it from a file:// URL and checks:
  - the DOM: the verdict text, one ladder diagram per attempted mode, the findings and the
    client matrix (each compared with the same probe's JSON report);
  - no console errors;
  - no request beyond the page itself (the DevTools network log and the Resource Timing
    entries), and no script ran (a hostile banner's <script>/<img onerror> set nothing);
  - in print: the timeline (folded on screen) is shown, nothing is wider than the paper;
and saves a full-page screenshot and a printed PDF of each under target/browser/.

Usage: html_check.py --bin target/debug/ftpdoctor
Prints one line per case and `browser: N passed, M failed` last; exit 1 on a failure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "browser"
STEP = 5.0

# The flags COMMON.md asks for: nothing talks to the network on its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1100,900",
]

HOSTILE_BANNER = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"


class HostileServer(threading.Thread):
    """Answers like an FTP server whose every reply carries markup: the banner, the login
    and an EPSV reply naming a closed port (so the diagram has an arrow with it)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.closed_port = closed.getsockname()[1]
        closed.close()
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(STEP)
        send = lambda line: conn.sendall((line + "\r\n").encode())  # noqa: E731
        try:
            send("220 " + HOSTILE_BANNER)
            buf = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    verb = line.split(b" ")[0].upper()
                    if verb == b"USER":
                        send("331 <b>password</b> please")
                    elif verb == b"PASS":
                        send("230 <iframe src=x></iframe> welcome")
                    elif verb == b"EPSV":
                        send(f"229 <svg onload=alert(1)> (|||{self.closed_port}|)")
                    else:
                        send("502 <script>no</script>")
        except OSError:
            return
        finally:
            conn.close()


def lab(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("ftp"):
        proc.kill()
        raise RuntimeError(f"{args}: no URL, got {line!r}")
    return proc, line


def probe(bin_: str, urls: list[str], extra: list[str], fmt: str) -> str:
    cmd = [bin_, "probe", *urls, "--format", fmt, "--timeout", "1s", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{cmd}: exit {done.returncode}: {done.stderr}")
    return done.stdout


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="ftpdoctor-chromium-"))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    # The first tab starts on chromium's own new-tab page, whose chrome:// resources would
    # otherwise show up in the first page's network log.
    driver.get("about:blank")
    time.sleep(0.5)
    driver.get_log("performance")
    return driver


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def check_page(driver: webdriver.Chrome, name: str, html: str, reports: list[dict]) -> list[str]:
    """Problems with one page; empty when it is right."""
    problems = []
    path = OUT / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    url = path.as_uri()
    driver.get_log("performance")  # drop what came before
    driver.get(url)
    time.sleep(0.3)
    js = driver.execute_script
    sections = js("return document.querySelectorAll('section.target').length")
    if sections != len(reports):
        problems.append(f"{sections} target sections for {len(reports)} reports")
    for i, report in enumerate(reports):
        sel = f"#target-{i}"
        verdict = js(f"return document.querySelector('{sel} .verdict-text').textContent")
        if not verdict.startswith(f"verdict: {report['verdict']}"):
            problems.append(f"{sel}: verdict text {verdict!r}, report says {report['verdict']}")
        attempted = sorted(m["mode"] for m in report["modes"] if m["status"] != "skipped")
        drawn = sorted(js(f"return [...document.querySelectorAll('{sel} figure.ladder')]"
                          ".map(f => f.dataset.mode)"))
        if drawn != attempted:
            problems.append(f"{sel}: diagrams for {drawn}, attempted modes {attempted}")
        svgs = js(f"return document.querySelectorAll('{sel} figure.ladder svg').length")
        if svgs != len(attempted):
            problems.append(f"{sel}: {svgs} SVGs for {len(attempted)} modes")
        shown = sorted(js(f"return [...document.querySelectorAll('{sel} .finding')]"
                          ".map(f => f.dataset.id)"))
        expected = sorted(f["id"] for f in report["findings"])
        if shown != expected:
            problems.append(f"{sel}: findings {shown}, report has {expected}")
        rows = js(f"return [...document.querySelectorAll('{sel} table.clients tr[data-client]')]"
                  ".map(r => [r.dataset.client, r.querySelector('.badge').textContent])")
        predicted = [[c["id"], c["prediction"].upper()] for c in report.get("clients", [])]
        if rows != predicted:
            problems.append(f"{sel}: client rows {rows}, report predicts {predicted}")
    # A label that runs out of its diagram (a long reply cut too late) breaks the picture.
    spill = js("""return [...document.querySelectorAll('figure.ladder svg')].flatMap(svg => {
        const w = svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].filter(t => {
            const b = t.getBBox();
            return b.x < -1 || b.x + b.width > w + 1;
        }).map(t => t.textContent.slice(0, 40));
    })""")
    if spill:
        problems.append(f"diagram labels run past the diagram's edge: {spill[:3]}")
    if len(reports) > 1 and not js("return !!document.querySelector('section.overview table')"):
        problems.append("several targets but no summary table")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if errors:
        problems.append(f"console errors: {errors}")
    # chrome:// is the browser's own UI, which no web page can reach.
    others = [u for u in requested_urls(driver) if u != url and not u.startswith("chrome://")]
    if others:
        problems.append(f"requests beyond the page: {others}")
    resources = js("return performance.getEntriesByType('resource').map(e => e.name)")
    if resources:
        problems.append(f"resource timing entries: {resources}")
    if js("return window.__pwned") is not None:
        problems.append("a script from the server ran")
    if js("return document.scripts.length") != 0:
        problems.append("the page has a <script> element")
    problems += check_print(driver, name)
    height = js("return document.documentElement.scrollHeight")
    driver.set_window_size(1100, min(max(height, 600), 12000))
    driver.save_screenshot(str(OUT / f"{name}.png"))
    driver.set_window_size(1100, 900)
    return problems


def check_print(driver: webdriver.Chrome, name: str) -> list[str]:
    """The page as printed: the folded timeline opens, nothing runs off the paper."""
    problems = []
    js = driver.execute_script
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = js("return [...document.querySelectorAll('table.timeline')]"
                    ".filter(t => t.getBoundingClientRect().height === 0).length")
        if hidden:
            problems.append(f"print: {hidden} timeline table(s) not shown")
        # A4 at 96 dpi less the default margins is about 720 px wide.
        driver.set_window_size(760, 900)
        wide = js("return document.documentElement.scrollWidth - "
                  "document.documentElement.clientWidth")
        if wide > 0:
            problems.append(f"print: the page is {wide} px wider than the paper")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.set_window_size(1100, 900)
    pdf = driver.print_page()
    (OUT / f"{name}.pdf").write_bytes(base64.b64decode(pdf))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    bin_ = os.path.abspath(parser.parse_args().bin)
    OUT.mkdir(parents=True, exist_ok=True)
    procs = []
    hostile = HostileServer()
    hostile.start()
    passed = failed = 0
    driver = browser()
    try:
        def start(kind: str, name: str) -> str:
            proc, url = lab([bin_, "lab", f"--{kind}", name])
            procs.append(proc)
            return url

        cases: list[tuple[str, list[str], list[str]]] = []
        for scenario in ["healthy", "private-pasv", "blocked-data", "refused-data",
                         "active-blocked", "port-rejected"]:
            cases.append((scenario, [start("scenario", scenario)], ["--tls", "off"]))
        # --insecure: the certificate is shown all the same (the lab's own CA signed it).
        cases.append(("tls", [start("scenario", "tls")], ["--insecure"]))
        for fault in ["nul-utf8", "rst-after-227", "pasv-hostname", "huge-replies"]:
            cases.append((f"fault-{fault}", [start("fault", fault)],
                          ["--tls", "off", "--modes", "epsv,pasv"]))
        hostile_url = f"ftp://127.0.0.1:{hostile.port}/"
        cases.append(("hostile-markup", [hostile_url], ["--tls", "off", "--modes", "epsv"]))
        cases.append(("several-targets", [cases[0][1][0], cases[1][1][0], cases[3][1][0]],
                      ["--tls", "off", "--clients", "all"]))
        for name, urls, extra in cases:
            try:
                html = probe(bin_, urls, extra, "html")
                raw = json.loads(probe(bin_, urls, extra, "json"))
                reports = raw if isinstance(raw, list) else [raw]
                problems = check_page(driver, name, html, reports)
                if name == "hostile-markup":
                    text = driver.execute_script("return document.body.innerText")
                    if "<script>window.__pwned=1</script>" not in text:
                        problems.append("the hostile banner is not shown as text")
            except Exception as e:  # noqa: BLE001 - one case's failure is reported, not fatal
                problems = [f"{type(e).__name__}: {e}"]
            if problems:
                failed += 1
                print(f"browser: {name:<18} FAILED")
                for p in problems:
                    print(f"    {p}")
            else:
                passed += 1
                print(f"browser: {name:<18} ok ({OUT.relative_to(ROOT)}/{name}.png)")
    finally:
        driver.quit()
        hostile.stop = True
        for proc in procs:
            proc.kill()
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
