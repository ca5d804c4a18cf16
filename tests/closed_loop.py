#!/usr/bin/env python3
"""tests/closed_loop.py - the simulator's closed loop (issue 21): does
sipalg-analyze, reading the outside view sipalg-sim writes (-w), find
what sipalg-sim predicted?

For every inside capture of samples/linux-alg (RUN-inside.pcap[ng]) and
every profile (sim/profiles/*.conf) -- or the fixed subset of --subset --
the capture is replayed with `sipalg-sim -f json -w OUT --profile P`, and
OUT is analysed with `sipalg-analyze -f json`.  Each predicted call or
registration is matched to the analyzer's dialog of the same Call-ID (a
profile that rewrites Call-IDs: the next unmatched outside dialog of the
same kind, in order of first packet), and agrees when:

  completed, registered    the dialog is there, not rejected or failed,
                           with none of the failure symptoms below
  one_way_audio, no_audio, ack_timeout_drop, inbound_call_unanswered,
  registration_failure, transfer_failure
                           the analyzer reports that symptom
  call_failed              no dialog outside (the request never left), or
                           one that did not complete
  anything else            (session_timer_drop, max_call_drop,
                           transaction_lost, incomplete) not scored

Prints the agreement per outcome and per profile, and the disagreements;
with --floor FILE fails (exit 1) when the agreements of the set run
(subset or full) fall below the figure FILE gives for it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAIL_SYMPTOMS = {"one_way_audio", "no_audio", "ack_timeout_drop",
                 "inbound_call_unanswered", "registration_failure",
                 "transfer_failure"}
SCORED = {"completed", "registered", "call_failed"} | FAIL_SYMPTOMS
FAILED_STATES = {"cancelled", "rejected", "busy", "diverted", "failed"}

# A fixed representative subset for make check: one run of each family of
# kernel behaviour (rewrite, media, inbound, registration, TCP, MTU, LAN,
# latching), under the two profiles the kernel runs were made with.
SUBSET_RUNS = ["outbound-alg-on", "outbound-alg-off", "inbound-alg-on",
               "hold-resume-alg-on", "lan-proxy-alg-on", "latch-alg-off",
               "oversize-alg-on", "phone-frag-alg-on", "register-echo-alg-on",
               "tcp-split-alg-on", "overlap-alg-on", "b2bua-alg-on"]
SUBSET_PROFILES = ["linux", "off"]


def run_json(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                  p.stderr.decode(errors="replace")[:300]))
    return json.loads(p.stdout.decode("utf-8"))


def inside_captures(samples):
    out = []
    for f in sorted(os.listdir(samples)):
        base = f.split(".")[0]
        if base.endswith("-inside") and (f.endswith(".pcap") or f.endswith(".pcapng")):
            out.append((base[:-len("-inside")], os.path.join(samples, f)))
    return out


def agrees(pred, got):
    """pred: the predicted outcome; got: the analyzer's dialog or None."""
    syms = set() if got is None else {s["id"] for s in got.get("symptoms", [])}
    if pred in ("completed", "registered"):
        return got is not None and got.get("state") not in FAILED_STATES \
            and not (syms & FAIL_SYMPTOMS)
    if pred == "call_failed":
        return got is None or got.get("state") != "completed"
    return pred in syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--profiles", required=True, help="sim/profiles directory")
    ap.add_argument("--subset", action="store_true")
    ap.add_argument("--floor", help="TSV: set, agreeing calls at least")
    ap.add_argument("-v", action="store_true", help="list every disagreement")
    a = ap.parse_args()

    caps = inside_captures(a.samples)
    profs = sorted(f[:-5] for f in os.listdir(a.profiles) if f.endswith(".conf"))
    if a.subset:
        caps = [c for c in caps if c[0] in SUBSET_RUNS]
        profs = [p for p in profs if p in SUBSET_PROFILES]
    setname = "subset" if a.subset else "full"
    per_out, per_prof, bad = {}, {}, []
    agree = total = unscored = 0
    with tempfile.TemporaryDirectory() as tmp:
        w = os.path.join(tmp, "out.pcap")
        for run, path in caps:
            for prof in profs:
                pj = run_json([a.sim, "-f", "json", "--profile", prof, "-w", w, path])
                dl = pj["runs"][0]["dialogs"]
                if os.path.exists(w) and os.path.getsize(w) > 24:
                    aj = run_json([a.analyze, "-f", "json", w])
                    ad = aj.get("dialogs", [])
                else:
                    ad = []
                byid = {}
                for d in ad:
                    byid.setdefault(d.get("call_id"), d)
                used = set()
                for d in dl:
                    if d["call_id"] in byid:
                        used.add(id(byid[d["call_id"]]))
                for d in dl:
                    pred = d["outcome"]
                    got = byid.get(d["call_id"])
                    if got is None:
                        kind = "register" if d["kind"] == "registration" else "call"
                        for x in ad:
                            if id(x) not in used and x.get("kind") == kind:
                                got = x
                                used.add(id(x))
                                break
                    if pred not in SCORED:
                        unscored += 1
                        continue
                    ok = agrees(pred, got)
                    total += 1
                    agree += ok
                    for tab, key in ((per_out, pred), (per_prof, prof)):
                        t = tab.setdefault(key, [0, 0])
                        t[0] += ok
                        t[1] += 1
                    if not ok:
                        bad.append((run, prof, d["call_id"], pred,
                                    "-" if got is None else "%s %s" % (
                                        got.get("state"),
                                        ",".join(sorted(s["id"] for s in got.get("symptoms", []))) or "no symptom")))
    print("closed loop (%s): %d captures x %d profiles: %d of %d predicted "
          "outcomes found by sipalg-analyze on the -w view (%d not scored)"
          % (setname, len(caps), len(profs), agree, total, unscored))
    for title, tab in (("outcome", per_out), ("profile", per_prof)):
        print("  %-24s %5s %5s" % (title, "agree", "of"))
        for k in sorted(tab):
            print("  %-24s %5d %5d" % (k, tab[k][0], tab[k][1]))
    if a.v:
        print("disagreements (capture, profile, call, predicted, analyzer):")
        for b in bad:
            print("  %s  %s  %s  %s  -> %s" % b)
    if a.floor:
        want = None
        with open(a.floor, encoding="utf-8") as f:
            for line in f:
                p = line.split("#")[0].split()
                if len(p) >= 2 and p[0] == setname:
                    want = int(p[1])
        if want is None:
            print("no floor for %s in %s" % (setname, a.floor))
            return 1
        if agree < want:
            print("FAIL: %d agreements, the floor is %d" % (agree, want))
            return 1
        if agree > want:
            print("note: %d agreements, above the floor of %d: raise it in %s"
                  % (agree, want, a.floor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
