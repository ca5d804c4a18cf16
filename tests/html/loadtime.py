"""tests/html/loadtime.py - what an HTML page costs to open in real
headless Chromium, measured by Chromium itself through the DevTools
protocol (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4,
so no websocket module is needed).

    loadtime.py CHROMIUM PAGE.html [--runs N] [--json]

For each of N runs (default 3) a fresh tab navigates to the page and
waits for the load event, then for two animation frames (the first
frame painted), and reads:
  - load:      navigation start -> load event end (Navigation Timing);
  - dcl:       navigation start -> DOMContentLoaded end;
  - frame:     navigation start -> the second requestAnimationFrame after
               load (the page laid out and painted once);
  - layout, style, script: seconds spent in layout, style recalculation
               and script up to then (Performance.getMetrics);
  - thread, cpu: CPU time of the renderer's main thread and of the
               renderer process from navigation to that frame (ThreadTime,
               ProcessTime): what the page costs, which other processes'
               load inflates far less than the wall-clock figures;
  - nodes:     DOM nodes (Performance.getMetrics "Nodes": elements, text
               and comments), and elements (document.querySelectorAll);
  - the load average (/proc/loadavg) when the run started.
Prints one line per run and the minimum of each figure; with --json one
JSON object (the runs and the minima).  Exit 2 when Chromium cannot be
driven (the caller skips), 1 when the page did not load in 120 s.
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time


class Pipe:
    """The DevTools protocol over Chromium's --remote-debugging-pipe."""

    def __init__(self, chromium, profile):
        r_in, w_in = os.pipe()    # we write, Chromium reads on fd 3
        r_out, w_out = os.pipe()  # Chromium writes on fd 4, we read
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--user-data-dir=" + profile,
             "--window-size=1200,1400", "--no-first-run",
             "--disable-extensions", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=lambda: self._fds(r_in, w_out))
        os.close(r_in)
        os.close(w_out)
        self.w = os.fdopen(w_in, "wb", buffering=0)
        self.r = os.fdopen(r_out, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        self.events = []

    @staticmethod
    def _fds(r_in, w_out):
        # In the child: its fd 3 reads our commands, fd 4 carries the
        # answers.  Through high copies first, in case r_in or w_out is
        # itself 3 or 4; the pipe ends are close-on-exec, 3 and 4 not.
        a, b = os.dup2(r_in, 100), os.dup2(w_out, 101)
        os.dup2(a, 3)
        os.dup2(b, 4)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = self.r.read(65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=120):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, session, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == session:
                    del self.events[i]
                    return m
            self.events.append(self._read(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


FIGURES = """(async () => {
  await new Promise(r => requestAnimationFrame(() =>
      requestAnimationFrame(r)));
  const t = performance.timing, n = t.navigationStart;
  return JSON.stringify({
    load: (t.loadEventEnd - n) / 1000,
    dcl: (t.domContentLoadedEventEnd - n) / 1000,
    frame: (performance.timeOrigin + performance.now() - n) / 1000,
    elements: document.querySelectorAll('*').length,
    bytes: document.documentElement.outerHTML.length});
})()"""


def one_run(p, url):
    tgt = p.call("Target.createTarget", {"url": "about:blank"})
    sess = p.call("Target.attachToTarget", {"targetId": tgt["targetId"],
                                            "flatten": True})["sessionId"]
    p.call("Page.enable", session=sess)
    p.call("Performance.enable", session=sess)
    la = open("/proc/loadavg").read().split()[0]
    m0 = {m["name"]: m["value"] for m in
          p.call("Performance.getMetrics", session=sess)["metrics"]}
    p.call("Page.navigate", {"url": url}, session=sess)
    p.wait_event("Page.loadEventFired", sess)
    r = p.call("Runtime.evaluate", {"expression": FIGURES,
                                    "awaitPromise": True,
                                    "returnByValue": True}, session=sess)
    fig = json.loads(r["result"]["value"])
    met = {m["name"]: m["value"] for m in
           p.call("Performance.getMetrics", session=sess)["metrics"]}
    fig["layout"] = met.get("LayoutDuration", 0)
    fig["style"] = met.get("RecalcStyleDuration", 0)
    fig["script"] = met.get("ScriptDuration", 0)
    fig["nodes"] = int(met.get("Nodes", 0))
    # CPU time, which the load of other processes does not inflate much:
    # the renderer's main thread, and the renderer process as a whole.
    fig["thread"] = met.get("ThreadTime", 0) - m0.get("ThreadTime", 0)
    fig["cpu"] = met.get("ProcessTime", 0) - m0.get("ProcessTime", 0)
    fig["loadavg"] = float(la)
    p.call("Target.closeTarget", {"targetId": tgt["targetId"]})
    return fig


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    runs = 3
    if "--runs" in args:
        runs = int(args[args.index("--runs") + 1])
        del args[args.index("--runs"):args.index("--runs") + 2]
    args = [a for a in args if a != "--json"]
    if len(args) != 2:
        sys.exit("usage: loadtime.py CHROMIUM PAGE.html [--runs N] [--json]")
    chromium, page = args
    url = "file://" + os.path.abspath(page)
    with tempfile.TemporaryDirectory() as prof:
        try:
            p = Pipe(chromium, prof)
            p.call("Browser.getVersion", timeout=60)
        except Exception as e:
            print("cannot drive %s: %s" % (chromium, e), file=sys.stderr)
            sys.exit(2)
        try:
            res = [one_run(p, url) for _ in range(runs)]
        except TimeoutError as e:
            print("%s: %s" % (page, e), file=sys.stderr)
            sys.exit(1)
        finally:
            p.close()
    keys = ["load", "dcl", "frame", "layout", "style", "script", "thread",
            "cpu"]
    best = {k: min(r[k] for r in res) for k in keys}
    best["nodes"] = res[0]["nodes"]
    best["elements"] = res[0]["elements"]
    best["loadavg"] = min(r["loadavg"] for r in res)
    if as_json:
        print(json.dumps({"runs": res, "min": best}))
        return
    for r in res:
        print("load %.3f s  dcl %.3f s  first frame %.3f s  layout %.3f s"
              "  style %.3f s  main thread CPU %.3f s  renderer CPU %.3f s"
              "  (load average %.2f)" %
              (r["load"], r["dcl"], r["frame"], r["layout"], r["style"],
               r["thread"], r["cpu"], r["loadavg"]))
    print("min: load %.3f s, first frame %.3f s, main thread CPU %.3f s; "
          "%d DOM nodes, %d elements; load average %.2f" %
          (best["load"], best["frame"], best["thread"], best["nodes"],
           best["elements"], best["loadavg"]))


if __name__ == "__main__":
    main()
