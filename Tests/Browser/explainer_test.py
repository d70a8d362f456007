#!/usr/bin/env python3
"""Drives the explainer pages written by `selfconnect simulate --html` / `--compare` in headless Chromium
(Selenium + chromedriver) and checks them against the engine's own `--json` and `--explain` output.

Usage: explainer_test.py single PAGE ENGINE_OUTPUT SHOTS_DIR
       explainer_test.py compare PAGE TRACE_A TRACE_B NAME_A NAME_B SHOTS_DIR NAME=ENGINE_OUTPUT...
ENGINE_OUTPUT is what `simulate --explain --json` printed for the same run. Prints one JSON line of figures;
exits 1 with the failures listed on stderr.
"""
import json, os, struct, sys, time, zlib, hashlib
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
    return cond

def driver():
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=opts)

# --- PNG: enough of a decoder to look at the pixels (8-bit RGB/RGBA, no interlace: what Chromium writes).

def png_pixels(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

def screenshot(d, path):
    data = d.get_screenshot_as_png()
    with open(path, "wb") as f:
        f.write(data)
    w, h, bpp, rows = png_pixels(data)
    counts = {}
    for y in range(0, h, 4):
        r = rows[y]
        for x in range(0, w * bpp, 4 * bpp):
            px = r[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    dominant = max(counts.values())
    non_background = 1 - dominant / total
    return {"path": path, "colors": len(counts), "nonBackground": round(non_background, 4),
            "digest": hashlib.sha256(b"".join(rows)).hexdigest()}

def no_errors_no_requests(d, page_url, label):
    logs = d.get_log("browser")
    errors = [l for l in logs if l.get("level") in ("SEVERE", "ERROR")]
    check(not errors, f"{label}: console errors: {errors}")
    requested = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            requested.append(msg["params"]["request"]["url"])
    base = page_url.split("#")[0]
    others = [u for u in requested if u.split("#")[0] != base]
    check(not others, f"{label}: network requests besides the page itself: {others}")
    resources = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    check(not resources, f"{label}: resources fetched: {resources}")
    return len(requested)

def current_step(d):
    return int(d.find_element(By.TAG_NAME, "body").get_attribute("data-step"))

def press(d, key):
    d.find_element(By.TAG_NAME, "body").send_keys(key)

def text(d, css):
    return d.find_element(By.CSS_SELECTOR, css).text

def tcb(d, side):
    out = {}
    for tr in d.find_elements(By.CSS_SELECTOR, "#tcb tbody tr"):
        out[tr.get_attribute("data-field")] = tr.find_element(By.CSS_SELECTOR, "td." + side).text
    return out

def parse_engine_output(path):
    lines = open(path).read().split("\n")
    start = lines.index("{")
    explain = []
    for line in lines[:start]:
        parts = [p for p in line.strip().split("  ") if p.strip()]
        parts = [p.strip() for p in parts]
        # time, socket, FROM -> TO, cause, rfc, linux
        fr, to = parts[2].split(" -> ")
        explain.append({"time": parts[0], "socket": parts[1], "from": fr, "to": to, "cause": parts[3],
                        "rfc": parts[4], "linux": parts[5]})
    js = json.loads("\n".join(lines[start:]))
    return explain, js

def seq_end(p):
    n = p["seq"] + p["length"] + ("S" in p["flags"]) + ("F" in p["flags"])
    return n % (1 << 32)

def single(page, engine_output, shots):
    explain, js = parse_engine_output(engine_output)
    packets = js["packets"]["shown"]
    d = driver()
    try:
        url = "file://" + os.path.abspath(page)
        d.get(url)
        first_ms = d.execute_script("return window.explainerFirstStepAt")
        nav = d.execute_script("const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd]")
        n = int(d.find_element(By.ID, "scrubber").get_attribute("max"))
        check(current_step(d) == 1, "page does not open on step 1")
        check(first_ms is not None and first_ms < 1000, f"first step rendered at {first_ms} ms (limit 1000)")
        seen_rules, seen = [], {}
        shots_taken = []
        last_after = {}
        for i in range(1, n + 1):
            if i > 1:
                press(d, Keys.ARROW_RIGHT)
            check(current_step(d) == i, f"keyboard: expected step {i}, at {current_step(d)}")
            check(d.execute_script("return location.hash") == f"#step-{i}", f"step {i}: hash not #step-{i}")
            socket = text(d, "#tcb-socket")
            fields = d.find_element(By.ID, "fields")
            current_rows = [e.get_attribute("id") for e in d.find_elements(By.CSS_SELECTOR, "g.row.current")]
            current_packets = [r for r in current_rows if r.startswith("row-p")]
            sent = [int(x) for x in (fields.get_attribute("data-sent") or "").split(",") if x]
            direction = d.find_elements(By.CSS_SELECTOR, "#fields tr[data-field=direction] td")
            if current_packets:
                check(len(current_packets) == 1, f"step {i}: {len(current_packets)} packets highlighted")
                p_index = int(current_packets[0][len("row-p"):])
                check(fields.get_attribute("data-packet") == str(p_index), f"step {i}: panel shows another packet")
                p = packets[p_index]
                shown = {tr.get_attribute("data-field"): tr.find_element(By.TAG_NAME, "td").text
                         for tr in d.find_elements(By.CSS_SELECTOR, "#fields tr")}
                for key in ["flags", "seq", "ack", "source", "destination"]:
                    check(shown.get(key) == str(p[key]), f"step {i}: {key} {shown.get(key)} != --json {p[key]}")
                check(f"[{p['flags']}]" in text(d, "#tcpdump"), f"step {i}: tcpdump line lacks Flags [{p['flags']}]")
                received = direction and direction[0].text.startswith("received")
                check(p["destination" if received else "source"] == socket,
                      f"step {i}: highlighted packet is not {socket}'s")
            # The rules shown, in order, are --explain's lines.
            rules = d.find_elements(By.CSS_SELECTOR, "#rule .rule[data-from]")
            for r in rules:
                seen_rules.append((r.get_attribute("data-from"), r.get_attribute("data-to"), r.text))
            # The highlighted arcs are this step's moves that figure 5 draws.
            arcs = sorted((a.get_attribute("data-from"), a.get_attribute("data-to"))
                          for a in d.find_elements(By.CSS_SELECTOR, "g.arc.current"))
            drawn = set((a.get_attribute("data-from"), a.get_attribute("data-to"))
                        for a in d.find_elements(By.CSS_SELECTOR, "g.arc"))
            moves = sorted(set((r.get_attribute("data-from"), r.get_attribute("data-to")) for r in rules
                               if r.get_attribute("data-from") != r.get_attribute("data-to")))
            check(arcs == [m for m in moves if m in drawn], f"step {i}: arcs {arcs} but moves {moves}")
            # The TCB against the packets of --json and the states of --explain.
            before, after = tcb(d, "before"), tcb(d, "after")
            if rules:
                check(after["state"] == rules[-1].get_attribute("data-to") or after["state"].startswith("CLOSED"),
                      f"step {i}: TCB state {after['state']} != {rules[-1].get_attribute('data-to')}")
            if socket in last_after and before["state"] != "CLOSED (no TCB)":
                check(before == last_after[socket], f"step {i}: TCB before differs from {socket}'s last after")
            if after["state"] != "CLOSED (no TCB)":
                last_after[socket] = after
                mine = [packets[k] for k in sent if packets[k]["source"] == socket]
                syn = [p for p in mine if "S" in p["flags"]]
                if syn:
                    check(after["iss"] == str(syn[-1]["seq"]), f"step {i}: ISS {after['iss']} != SYN seq {syn[-1]['seq']}")
                if mine:
                    last = [p for p in mine if "R" not in p["flags"]]
                    if last:
                        check(after["sndNxt"] == str(seq_end(last[-1])),
                              f"step {i}: SND.NXT {after['sndNxt']} != end of the last segment sent {seq_end(last[-1])}")
                    acks = [p for p in mine if "." in p["flags"]]
                    if acks:
                        check(after["rcvNxt"] == str(acks[-1]["ack"]), f"step {i}: RCV.NXT {after['rcvNxt']} != ack {acks[-1]['ack']}")
                if direction and direction[0].text.startswith("received") and current_packets:
                    p = packets[int(current_packets[0][len('row-p'):])]
                    if "S" in p["flags"] and after["state"] != "SYN_SENT":
                        check(after["irs"] == str(p["seq"]), f"step {i}: IRS {after['irs']} != SYN seq {p['seq']}")
            seen[i] = (text(d, "#tcpdump"), after, text(d, "#where"))
            if i <= 3 or i == n or i % 4 == 0:
                shots_taken.append(screenshot(d, os.path.join(shots, f"step-{i}.png")))
        # Every --explain line, in order, appeared as a rule with its RFC section and Linux function.
        check(len(seen_rules) == len(explain), f"{len(seen_rules)} rules shown, --explain has {len(explain)} lines")
        for (fr, to, body), e in zip(seen_rules, explain):
            check((fr, to) == (e["from"], e["to"]), f"rule {fr}->{to} != --explain {e['from']}->{e['to']}")
            check(e["rfc"] in body and e["linux"] in body, f"rule {fr}->{to} lacks {e['rfc']} / {e['linux']}")
        # Keyboard back, Home, End; the buttons; the scrubber.
        press(d, Keys.ARROW_LEFT); check(current_step(d) == max(n - 1, 1), "ArrowLeft did not go back one step")
        press(d, Keys.HOME); check(current_step(d) == 1, "Home did not go to step 1")
        press(d, Keys.END); check(current_step(d) == n, "End did not go to the last step")
        d.find_element(By.ID, "prev").click(); check(current_step(d) == max(n - 1, 1), "previous button")
        d.find_element(By.ID, "next").click(); check(current_step(d) == n, "next button")
        d.execute_script("const s = document.getElementById('scrubber'); s.value = '2'; s.dispatchEvent(new Event('input'))")
        check(current_step(d) == min(2, n), "scrubber")
        requests = no_errors_no_requests(d, url, "stepping")
        # Deep links: a fresh load of #step-12 (or the last), and a hash change.
        k = min(12, n)
        d.get(url + f"#step-{k}")
        check(current_step(d) == k, f"deep link #step-{k} opened step {current_step(d)}")
        check((text(d, "#tcpdump"), tcb(d, "after"), text(d, "#where")) == seen[k], f"deep link #step-{k} shows other content")
        d.execute_script("location.hash = '#step-2'")
        time.sleep(0.2)
        check(current_step(d) == min(2, n), "hash change to #step-2")
        no_errors_no_requests(d, url, "deep link")
        # The picture for the README: a taller window, a step in the middle of the handshake.
        d.set_window_size(1400, 1500)
        d.get(url + f"#step-{min(6, n)}")
        check(current_step(d) == min(6, n), "overview deep link")
        overview = screenshot(d, os.path.join(shots, "overview.png"))
        check(overview["colors"] > 8 and overview["nonBackground"] > 0.02, f"blank screenshot {overview}")
        digests = [s["digest"] for s in shots_taken]
        for s in shots_taken:
            check(s["colors"] > 8 and s["nonBackground"] > 0.02, f"blank screenshot {s}")
        check(all(a != b for a, b in zip(digests, digests[1:])), "two consecutive screenshots are identical")
        return {"page": page, "steps": n, "firstStepMs": round(first_ms, 1), "domContentLoadedMs": round(nav[0], 1),
                "rules": len(seen_rules), "screenshots": [s["path"] for s in shots_taken] + [overview["path"]], "requests": requests,
                "minNonBackground": min(s["nonBackground"] for s in shots_taken)}
    finally:
        d.quit()

def compare(page, trace_a, trace_b, name_a, name_b, shots, *explains):
    """explains: NAME=ENGINE_OUTPUT for each personality of the page, checked cell by cell."""
    expected = {}
    for item in explains:
        name, path = item.split("=", 1)
        expected[name] = [(e["from"], e["to"], e["rfc"], e["linux"]) for e in parse_engine_output(path)[0]]
    d = driver()
    try:
        url = "file://" + os.path.abspath(page)
        d.get(url)
        first_ms = d.execute_script("return window.explainerFirstStepAt")
        li = d.find_element(By.CSS_SELECTOR, f'#divergences li[data-personality="{name_b}"]')
        row = li.get_attribute("data-row")
        check(row != "", f"no divergence marked for {name_b}")
        cell = d.find_element(By.CSS_SELECTOR, f'#row-{row} td[data-personality="{name_b}"]')
        check(cell.get_attribute("data-first-divergence") == "true", "the divergent cell is not marked")
        check("third handshake segment" in cell.text, f"divergence of {name_b} is not at the third handshake segment: {cell.text}")
        check("third handshake segment" in li.text, f"reason does not name the third handshake segment: {li.text}")
        cell_a = d.find_element(By.CSS_SELECTOR, f'#row-{row} td[data-personality="{name_a}"]')
        # The third segment of each connection, as the engine's --trace printed it.
        def third(trace):
            lines = [l for l in open(trace).read().splitlines() if l.strip()]
            syn = max(i for i, l in enumerate(lines) if "Flags [S]," in l)
            return lines[syn + 2]
        ta, tb = third(trace_a), third(trace_b)
        check("Flags [.]" in ta and "sack" not in ta, f"{name_a} third segment: {ta}")
        check("Flags [.]" in tb and "sack 1 {" in tb, f"{name_b} third segment: {tb}")
        check("challenge" in cell_a.text and "sends [.]" in cell_a.text, f"{name_a} cell does not show the challenge ACK: {cell_a.text}")
        check("ESTABLISHED" in cell.text and "sack" in cell.text, f"{name_b} cell does not show ESTABLISHED with D-SACK: {cell.text}")
        n = int(d.find_element(By.ID, "scrubber").get_attribute("max"))
        shots_taken = [screenshot(d, os.path.join(shots, "compare-step-1.png"))]
        seen = {name: [] for name in expected}
        for i in range(1, n + 1):
            if i > 1:
                press(d, Keys.ARROW_RIGHT)
            check(current_step(d) == i, f"compare: keyboard to step {i}")
            check(d.execute_script("return location.hash") == f"#step-{i}", f"compare: hash not #step-{i}")
            current = d.find_elements(By.CSS_SELECTOR, "tr.current")
            check(len(current) == 1 and current[0].get_attribute("id") == f"row-{i}", f"compare: row {i} not the current one")
            # Each column's moves, row by row, are its run's --explain lines in order.
            for name in expected:
                for m in d.find_elements(By.CSS_SELECTOR, f'#row-{i} td[data-personality="{name}"] span.move'):
                    seen[name].append(tuple(m.get_attribute(a) for a in ["data-from", "data-to", "data-rfc", "data-linux"]))
        for name, lines in expected.items():
            check(seen[name] == lines, f"compare: {name}'s column shows {len(seen[name])} moves, --explain has {len(lines)} (or they differ)")
        shots_taken.append(screenshot(d, os.path.join(shots, f"compare-step-{n}.png")))
        d.get(url + f"#step-{row}")
        check(current_step(d) == int(row), f"compare: deep link to #step-{row}")
        shots_taken.append(screenshot(d, os.path.join(shots, f"compare-step-{row}.png")))
        no_errors_no_requests(d, url, "compare")
        for s in shots_taken:
            check(s["colors"] > 8 and s["nonBackground"] > 0.02, f"blank screenshot {s}")
        digests = [s["digest"] for s in shots_taken]
        check(len(set(digests)) == len(digests), "compare screenshots do not change between steps")
        return {"page": page, "rows": n, "divergenceRow": int(row), "firstStepMs": round(first_ms, 1),
                "reason": li.text}
    finally:
        d.quit()

if __name__ == "__main__":
    mode = sys.argv[1]
    result = single(*sys.argv[2:5]) if mode == "single" else compare(*sys.argv[2:])
    print(json.dumps(result))
    if failures:
        for f in failures:
            print("FAIL: " + f, file=sys.stderr)
        sys.exit(1)
