#!/usr/bin/env python3
"""tests/closed_loop.py - the simulator's closed loop (issues 15, 21): does
sipalg-analyze, reading the views sipalg-sim writes, find what sipalg-sim
predicted?

For every inside capture of samples/linux-alg (RUN-inside.pcap[ng]) and
every profile (sim/profiles/*.conf) -- or the fixed subset of --subset --
the capture is replayed with `sipalg-sim -f json -w OUT --write-inside IN
--profile P`, and each view is analysed on its own with `sipalg-analyze
-f json`: the outside view (what crosses the NAT) and the predicted
inside view (what the phones send and what the router delivers them).
A prediction agrees when the analyzer finds it on either view: each
shows what the other cannot (media between two phones behind the router
never crosses the NAT; a request the router drops never reaches the
phone), and each figure is printed per view as well.  (The two views
are not merged into one file: a profile that rewrites Call-IDs makes
two dialogs of one call there.)  Each predicted leg (a call or
registration of one inside phone: a proxy between two phones of the
capture gives one Call-ID two legs) is matched, on each view, to the
analyzer's dialog of the same Call-ID that holds that leg: its first
request sent by the leg's phone (phone_role uac) or to it (uas), the
phone being seen at its own address inside and at the router's public
address outside (sipalg-analyze -m lists the messages).  A profile that
rewrites Call-IDs: the next unmatched dialog of the same kind that holds
the leg and whose Call-ID no prediction has, in order of first packet.
A leg agrees when:

  completed, registered    the dialog is there, not rejected or failed,
                           with none of the failure symptoms below
  one_way_audio, no_audio, ack_timeout_drop, inbound_call_unanswered,
  registration_failure, transfer_failure
                           the analyzer reports that symptom
  call_failed              no dialog outside (the request never left), or
                           one that did not complete
  anything else            (session_timer_drop, max_call_drop,
                           transaction_lost, incomplete) not scored

A prediction the simulator marks not observable (its JSON "observable":
false, with the reason "unobservable_why": nothing of it is on any view
it writes -- media between two phones behind the router of which the
capture shows no packet, an INVITE the far end sends to a private
Contact) is counted apart, listed with its reason, and never as an
agreement or a disagreement.

With --merged the two views are also merged by time into one file
(mergecap) and analysed together, as a capture taken at both sides of
the router would be: the scored predictions the analyzer finds there,
with their disagreements (-v), are printed apart, against a floor of
their own (SET-merged in the floor file: a profile that rewrites
Call-IDs gives one call two dialogs there, and the analyzer must bind
each stream to the right one; two phones behind one NAT whose one
direction only the outside segment can judge must keep that segment's
finding, once).

Prints the agreement per outcome and per profile, and the disagreements;
with --floor FILE fails (exit 1) when the agreements of the set run
(subset or full) fall below the figure FILE gives for it.
"""
import argparse
import json
import os
import shutil
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
# latching; two phones behind one NAT, one of which writes a public
# address as its c=: under profile off its merged views are judged on the
# segment that shows both directions; five phones sharing public source
# ports, one kept per remote), under the two profiles the kernel runs were
# made with.
SUBSET_RUNS = ["outbound-alg-on", "outbound-alg-off", "inbound-alg-on",
               "hold-resume-alg-on", "lan-proxy-alg-on", "latch-alg-off",
               "oversize-alg-on", "phone-frag-alg-on", "register-echo-alg-on",
               "tcp-split-alg-on", "overlap-alg-on", "b2bua-alg-on",
               "v15-lanproxy-bpublic-filters-alg-off", "nat-ports-alg-off"]
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


def host(ep):
    """The address of "addr:port" or "[v6]:port"."""
    ep = ep or ""
    if ep.startswith("["):
        return ep[1:].split("]", 1)[0]
    return ep.rsplit(":", 1)[0]


def holds_leg(x, addr, role, method):
    """Whether the analyzer's dialog x holds the predicted leg whose phone
    is seen at addr on this view (its private address inside, the
    router's public address outside), as the first request's sender (role
    uac) or receiver (uas).  A proxy between two phones of the capture
    puts two legs on one Call-ID, which the analyzer may show as one
    dialog (both legs in it) or show only one of."""
    msgs = x.get("message_list")
    if msgs is None:
        return True
    reqs = [m for m in msgs if (m.get("label") or "").split(" ")[0] == method]
    if reqs:
        key = "src" if role == "uac" else "dst"
        return any(host(m.get(key)) == addr for m in reqs)
    return any(addr in (host(m.get("src")), host(m.get("dst"))) for m in msgs)


def match(dl, ad, addr_of):
    """The analyzer's dialog (or None) for each predicted leg of dl: one of
    the same Call-ID that holds the leg (addr_of(d): where the leg's phone
    is seen on this view); when none does (a profile that rewrites
    Call-IDs, perhaps of one leg and not of the other), the next unmatched
    dialog of the same kind that holds the leg and whose Call-ID no
    prediction has, in order of first packet."""
    ids = {x.get("call_id") for x in ad}
    pred_ids = {d["call_id"] for d in dl}
    used = set()
    out = []
    for d in dl:
        leg = (addr_of(d), d.get("phone_role"), d.get("method"))
        got = None
        if d["call_id"] in ids:
            for x in ad:
                if x.get("call_id") == d["call_id"] and holds_leg(x, *leg):
                    got = x
                    break
            if got is not None:
                used.add(id(got))
        out.append(got)
    for i, d in enumerate(dl):
        if out[i] is not None:
            continue
        leg = (addr_of(d), d.get("phone_role"), d.get("method"))
        kind = "register" if d["kind"] == "registration" else "call"
        for x in ad:
            if id(x) not in used and x.get("kind") == kind and \
                    x.get("call_id") not in pred_ids and holds_leg(x, *leg):
                out[i] = x
                used.add(id(x))
                break
    return out


def found(got):
    if got is None:
        return "-"
    return "%s %s" % (got.get("state"), ",".join(sorted(
        s["id"] for s in got.get("symptoms", []))) or "no symptom")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--profiles", required=True, help="sim/profiles directory")
    ap.add_argument("--subset", action="store_true")
    ap.add_argument("--floor", help="TSV: set, agreeing calls at least")
    ap.add_argument("-v", action="store_true", help="list every disagreement")
    ap.add_argument("--merged", action="store_true",
                    help="also analyse the two views merged into one file")
    a = ap.parse_args()
    if a.merged and shutil.which("mergecap") is None:
        print("SKIP: --merged needs mergecap (tshark's package)")
        return 77

    caps = inside_captures(a.samples)
    profs = sorted(f[:-5] for f in os.listdir(a.profiles) if f.endswith(".conf"))
    if a.subset:
        caps = [c for c in caps if c[0] in SUBSET_RUNS]
        profs = [p for p in profs if p in SUBSET_PROFILES]
    setname = "subset" if a.subset else "full"
    per_out, per_prof, bad = {}, {}, []
    agree = total = unscored = 0
    view_agree = [0, 0]
    unobs = []
    merged = [0, 0]
    mbad = []
    with tempfile.TemporaryDirectory() as tmp:
        w = os.path.join(tmp, "out.pcap")
        wi = os.path.join(tmp, "in.pcapng")
        wm = os.path.join(tmp, "merged.pcapng")
        for run, path in caps:
            for prof in profs:
                pj = run_json([a.sim, "-f", "json", "--profile", prof, "-w", w,
                               "--write-inside", wi, path])
                dl = pj["runs"][0]["dialogs"]
                got_views = []
                pub = pj.get("public_ip", "")
                for f, addr_of in ((w, lambda d: pub),
                                   (wi, lambda d: d.get("phone", ""))):
                    if os.path.exists(f) and os.path.getsize(f) > 24:
                        ad = run_json([a.analyze, "-f", "json", "-m",
                                       f]).get("dialogs", [])
                    else:
                        ad = []
                    got_views.append(match(dl, ad, addr_of))
                got_m = None
                if a.merged:
                    views = [f for f in (w, wi) if os.path.exists(f) and
                             os.path.getsize(f) > 24]
                    ad = []
                    if views:
                        # -I none keeps each view's interface with its own
                        # description: the default mode folds both into one
                        # interface with the first file's (no filter), which
                        # hides the inside view's recorded capture filter
                        subprocess.run(["mergecap", "-I", "none", "-w", wm]
                                       + views, check=True)
                        ad = run_json([a.analyze, "-f", "json", "-m",
                                       wm]).get("dialogs", [])
                    # the leg's phone at its own address or the public one
                    got_m = [g1 or g2 for g1, g2 in zip(
                        match(dl, ad, lambda d: pub),
                        match(dl, ad, lambda d: d.get("phone", "")))]
                for i, d in enumerate(dl):
                    pred = d["outcome"]
                    if pred not in SCORED:
                        unscored += 1
                        continue
                    if d.get("observable") is False:
                        unobs.append((run, prof, d["call_id"], pred,
                                      d.get("unobservable_why", "")))
                        continue
                    if got_m is not None:
                        okm = agrees(pred, got_m[i])
                        merged[0] += okm
                        merged[1] += 1
                        if not okm:
                            mbad.append((run, prof, d["call_id"], pred,
                                         found(got_m[i])))
                    oks = [agrees(pred, g[i]) for g in got_views]
                    ok = oks[0] or oks[1]
                    total += 1
                    agree += ok
                    view_agree[0] += oks[0]
                    view_agree[1] += oks[1]
                    for tab, key in ((per_out, pred), (per_prof, prof)):
                        t = tab.setdefault(key, [0, 0])
                        t[0] += ok
                        t[1] += 1
                    if not ok:
                        bad.append((run, prof, d["call_id"], pred,
                                    found(got_views[0][i]), found(got_views[1][i])))
    print("closed loop (%s): %d captures x %d profiles: %d of %d predicted "
          "outcomes found by sipalg-analyze on the inside and outside views "
          "(%d not observable in the written views, %d not scored)"
          % (setname, len(caps), len(profs), agree, total, len(unobs), unscored))
    print("  on the outside view alone %d, on the inside view alone %d"
          % (view_agree[0], view_agree[1]))
    if a.merged:
        print("  on the two views merged into one file (mergecap) %d of %d"
              % (merged[0], merged[1]))
    for title, tab in (("outcome", per_out), ("profile", per_prof)):
        print("  %-24s %5s %5s" % (title, "agree", "of"))
        for k in sorted(tab):
            print("  %-24s %5d %5d" % (k, tab[k][0], tab[k][1]))
    if unobs:
        print("not observable in the written views (capture, profile, call, "
              "predicted: why):")
        for u in unobs:
            print("  %s  %s  %s  %s: %s" % u)
    if a.v:
        print("disagreements (capture, profile, call, predicted, analyzer "
              "outside | inside):")
        for b in bad:
            print("  %s  %s  %s  %s  -> %s | %s" % b)
    if a.v and mbad:
        print("disagreements on the merged views (capture, profile, call, "
              "predicted, analyzer):")
        for b in mbad:
            print("  %s  %s  %s  %s  -> %s" % b)
    if a.floor:
        floors = {}
        with open(a.floor, encoding="utf-8") as f:
            for line in f:
                p = line.split("#")[0].split()
                if len(p) >= 2:
                    floors[p[0]] = int(p[1])
        rc = 0
        checks = [(setname, agree, "")]
        if a.merged:
            checks.append((setname + "-merged", merged[0], " on the merged views"))
        for name, got, where in checks:
            want = floors.get(name)
            if want is None:
                print("no floor for %s in %s" % (name, a.floor))
                rc = 1
            elif got < want:
                print("FAIL: %d agreements%s, the floor is %d" % (got, where, want))
                rc = 1
            elif got > want:
                print("note: %d agreements%s, above the floor of %d: raise %s in %s"
                      % (got, where, want, name, a.floor))
        return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
