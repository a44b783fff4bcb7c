#!/usr/bin/python3
"""Opens the report.html that `phusong run` delivers in a real, headless Chromium.

ctest `report_chromium` (label `clients`); by hand, from the repository root:

    /usr/bin/python3 tests/clients/check_report.py --phusong build/phusong \
        --out /tmp/phusong-report-check

What it does:
  1. runs `phusong run` on the Brindabella test scenario with communes (real
     SRTM tile from ../shared), as check_project.py does;
  2. starts `chromium --headless --remote-debugging-pipe` (the DevTools
     protocol over file descriptors 3 and 4: no port, no extra package) with
     a throw-away profile, opens report.html from disk (file://) in a
     1280 px wide page, waits for the load event and collects every
     Network.loadingFailed, Runtime.exceptionThrown, console error and
     Log error entry;
  3. checks that no resource failed to load and no script error happened,
     that every <img> is complete with naturalWidth > 0, and that the page
     has its two maps;
  4. takes a screenshot of the whole page (report.png), reads it back with
     GDAL and checks its size (1280 x the page's height), that it is not
     blank (many distinct colours), and that the first map is visibly there:
     the screenshot's pixels where the first map's <img> lies have many colours
     and the same mean colour as the map's own PNG (within 12 levels: the
     scale bar, north arrow and labels are drawn over it).
Everything has a timeout and the browser (its whole process group) is always
killed.  Exit status 0 when every check passes, 77 (skipped) when ../shared
is absent or Chromium is missing (a failure when CI=true), 1 otherwise.
"""
import base64
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clientlib import (check, client_missing, exit_with, finish,  # noqa: E402
                       run_phusong, shared_check_args, work_dir, SKIP)

WIDTH_PX = 1280
MAX_HEIGHT_PX = 16000


class DevTools:
    """The DevTools protocol over --remote-debugging-pipe: JSON messages ended
    by a NUL byte; Chromium reads fd 3 and writes fd 4."""

    def __init__(self, chromium, profile, log_path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # Above 10 first, so that placing them at 3 and 4 cannot clobber each other.
        hi_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)

        def child_fds():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-sync", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            pass_fds=(3, 4, hi_r, hi_w), preexec_fn=child_fds, start_new_session=True)
        for fd in (to_child_r, from_child_w, hi_r, hi_w):
            os.close(fd)
        self._next_id = 0
        self._replies = {}
        self.events = []
        self._inbox = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._inbox.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self._inbox.put(json.loads(msg))

    def _pump(self, deadline):
        """Takes one message (or None at the deadline) and files it."""
        try:
            msg = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if msg is None:
            raise RuntimeError("Chromium closed the DevTools pipe")
        if "id" in msg:
            self._replies[msg["id"]] = msg
        else:
            self.events.append(msg)
        return msg

    def send(self, method, params=None, session=None, timeout_s=30.0):
        self._next_id += 1
        mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while mid not in self._replies:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method}: no answer in {timeout_s} s")
            self._pump(deadline)
        reply = self._replies.pop(mid)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method, session, timeout_s=30.0):
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            for e in self.events[seen:]:
                if e.get("method") == method and e.get("sessionId") == session:
                    return e
            seen = len(self.events)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} in {timeout_s} s")
            self._pump(deadline)

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    os.write(self._to_child, json.dumps({"id": 999999, "method": "Browser.close"}).encode() + b"\0")
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        finally:
            try:  # the browser's own process group: its helpers too, even after Browser.close
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._log.close()


IMAGES_JS = """JSON.stringify({
  images: Array.from(document.images).map(i => {
    const r = i.getBoundingClientRect();
    return {src: i.currentSrc.slice(0, 40), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
            x: r.left + window.scrollX, y: r.top + window.scrollY, rw: r.width, rh: r.height};
  }),
  maps: document.querySelectorAll('figure.mapfig').length,
  first_map: Array.from(document.images).indexOf(document.querySelector('figure.mapfig img')),
  height: Math.ceil(document.documentElement.scrollHeight),
  title: document.title
})"""


def read_png(data):
    """(height, width, bands) uint8 array of a PNG, through GDAL."""
    from osgeo import gdal
    name = f"/vsimem/check_report_{id(data)}.png"
    gdal.FileFromMemBuffer(name, data)
    try:
        ds = gdal.Open(name)
        arr = ds.ReadAsArray()  # (bands, h, w)
        ds = None
    finally:
        gdal.Unlink(name)
    return arr.transpose(1, 2, 0) if arr.ndim == 3 else arr[:, :, None]


def check_page(dt, report, shot_path):
    t0 = time.monotonic()
    target = dt.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = dt.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        dt.send(f"{domain}.enable", session=session)
    dt.send("Emulation.setDeviceMetricsOverride",
            {"width": WIDTH_PX, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
    url = "file://" + os.path.abspath(report)
    nav = dt.send("Page.navigate", {"url": url}, session=session)
    check("errorText" not in nav, f"Page.navigate({os.path.basename(report)}) {nav.get('errorText', 'ok')}")
    dt.wait_event("Page.loadEventFired", session, 30.0)
    print(f"loaded in {time.monotonic() - t0:.2f} s", flush=True)

    def evaluate(expr):
        r = dt.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate: {r['exceptionDetails']}")
        return r["result"]["value"]

    info = json.loads(evaluate(IMAGES_JS))
    images = info["images"]
    check(info["maps"] == 2, f"{info['maps']} map figures == 2")
    check(len(images) >= 2, f"{len(images)} <img> elements")
    for k, im in enumerate(images):
        check(im["complete"] and im["w"] > 0 and im["h"] > 0,
              f"<img> {k} ({im['src']}...): complete {im['complete']}, natural size {im['w']}x{im['h']}")

    # Whole page in one viewport, then the screenshot.
    height = min(int(info["height"]), MAX_HEIGHT_PX)
    dt.send("Emulation.setDeviceMetricsOverride",
            {"width": WIDTH_PX, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
    info = json.loads(evaluate(IMAGES_JS))  # positions after the resize
    images = info["images"]
    t = time.monotonic()
    shot = base64.b64decode(dt.send("Page.captureScreenshot", {"format": "png"}, session=session,
                                    timeout_s=60.0)["data"])
    with open(shot_path, "wb") as f:
        f.write(shot)
    print(f"screenshot in {time.monotonic() - t:.2f} s", flush=True)

    # What went wrong while loading (events of our page's session).
    mine = [e for e in dt.events if e.get("sessionId") == session]
    failed = [e["params"] for e in mine if e["method"] == "Network.loadingFailed"]
    bad_status = [e["params"]["response"]["url"][:80] for e in mine if e["method"] == "Network.responseReceived"
                  and e["params"]["response"].get("status", 200) >= 400]
    thrown = [(e["params"]["exceptionDetails"].get("exception") or {}).get("description")
              or e["params"]["exceptionDetails"].get("text")
              for e in mine if e["method"] == "Runtime.exceptionThrown"]
    console = [e["params"] for e in mine if e["method"] == "Runtime.consoleAPICalled"
               and e["params"].get("type") in ("error", "assert")]
    log_err = [e["params"]["entry"].get("text") for e in mine if e["method"] == "Log.entryAdded"
               and e["params"]["entry"].get("level") == "error"]
    check(not failed, f"no failed request {[(f.get('type'), f.get('errorText')) for f in failed]}")
    check(not bad_status, f"no HTTP error status {bad_status}")
    check(not thrown, f"no JavaScript exception {thrown}")
    check(not console, f"no console error {console}")
    check(not log_err, f"no error in the browser log {log_err}")

    # The screenshot: size, not blank, the first map visibly there.
    px = read_png(shot)
    h, w = px.shape[0], px.shape[1]
    check((w, h) == (WIDTH_PX, height), f"report.png {w}x{h} == {WIDTH_PX}x{height}")
    rgb = px[:, :, :3].astype("uint32")
    packed = (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
    import numpy as np
    distinct = len(np.unique(packed))
    check(distinct > 1000, f"report.png: {distinct} distinct colours")
    k = info["first_map"]
    check(k >= 0, f"the first map figure holds an <img> (index {k})")
    first = images[k] if k >= 0 else None
    if first:
        x0, y0 = int(round(first["x"])), int(round(first["y"]))
        x1, y1 = int(round(first["x"] + first["rw"])), int(round(first["y"] + first["rh"]))
        check(first["rw"] > 300 and first["rh"] > 300 and x1 <= w and y1 <= h,
              f"first map at ({x0}, {y0})-({x1}, {y1}) inside the screenshot")
        region = rgb[y0:y1, x0:x1]
        if region.size:
            rd = len(np.unique(packed[y0:y1, x0:x1]))
            white = float(np.mean(np.all(region > 245, axis=2)))
            check(rd > 100, f"first map region: {rd} distinct colours")
            check(white < 0.5, f"first map region: {100 * white:.1f} % white")
            src = evaluate("document.querySelector('figure.mapfig img').src")
            own = read_png(base64.b64decode(src.split(",", 1)[1]))[:, :, :3].astype("float64")
            m_shot = region.reshape(-1, 3).mean(axis=0)
            m_own = own.reshape(-1, 3).mean(axis=0)
            d = float(np.max(np.abs(m_shot - m_own)))
            check(d <= 12.0, f"first map region mean colour {np.round(m_shot, 1).tolist()} vs the map PNG's "
                             f"{np.round(m_own, 1).tolist()} (max difference {d:.1f})")
    return w, h, distinct


def main():
    args = shared_check_args(__doc__)
    if args is None:
        return SKIP
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return client_missing("chromium is not installed")
    try:
        import numpy  # noqa: F401
        from osgeo import gdal  # noqa: F401
    except ImportError as e:
        return client_missing(f"GDAL's Python bindings (python3-gdal) do not import ({e})")
    work = work_dir(args, "phusong-report-")
    out, _ = run_phusong(args.phusong, args.shared, work, "Brindabella report check")
    profile = os.path.join(work, "chromium-profile")
    os.makedirs(profile)
    t = time.monotonic()
    dt = DevTools(chromium, profile, os.path.join(work, "chromium.log"))
    try:
        version = dt.send("Browser.getVersion", timeout_s=60.0)
        print(f"{version.get('product')} headless, started in {time.monotonic() - t:.2f} s", flush=True)
        check_page(dt, os.path.join(out, "report.html"), os.path.join(work, "report.png"))
    except (RuntimeError, TimeoutError, OSError) as e:
        check(False, f"DevTools session: {e}")
    finally:
        dt.close()
    print(f"outputs in {work}")
    return finish("check_report")


if __name__ == "__main__":
    exit_with(main())
