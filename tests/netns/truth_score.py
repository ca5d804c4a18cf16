#!/usr/bin/env python3
"""truth_score.py - score sipalg-analyze against the ground truth (make truth).

Reads every expectation file samples/linux-alg/*.truth (kernel runs) and
tests/data/corpus-findings.tsv (public captures in ../shared/corpus), runs
sipalg-analyze over each capture file, each inside+outside pair (both files
given together) and each --inside/--outside comparison they name, and
prints, per symptom id and for the capture-level ALG verdict, true and
false positives and negatives with precision and recall, then every
mismatch (file, call, what, expected, got).

Expectation files (one per run, TSV: file, call, what, expected, why):
  file      inside, outside, server, far, merged, mirror, inside-sip, ...
            (RUN-FILE.pcap or .pcapng), pair (RUN-inside.pcap and
            RUN-outside.pcap given together), diff (--inside/--outside),
            run (what physically happened; not compared with the analyzer)
  call      a Call-ID, or * for the capture as a whole
  what      verdict          expected: likely|unlikely|unknown; several
                             joined by | are all accepted, the first is
                             the one a perfect analyzer would say
            symptoms         comma list of ids; ?id = may or may not be
                             reported (neither counted nor a mismatch);
                             "-" = none. Any other id reported on that
                             call is a false positive; so is any id on a
                             call the file does not list.
            advisories       as symptoms, compared with each dialog's
                             "advisories" array (issue 16.2) when the JSON
                             has one, else counted "not checked"
            media:D@SEG      delivered|undeliverable|absent|not_observable
                             for direction D (caller>callee, callee>caller)
                             on segment SEG; compared with the dialog's
                             "media" leg of that direction and segment
                             (server and far are the analyzer's outside)
            ptime:D          measured packetisation in ms; compared with
                             the "ptime_ms" of the leg of that direction
                             that carries the most audio packets
            icmp_refusal     "REPORTER type=3 code=C", comma-joined: the
                             ICMP destination unreachable errors in the
                             file that quote the call's refused INVITE;
                             compared with the evidence lines of the
                             call's symptoms whose field starts "ICMP
                             refusal" and whose value starts with the
                             reporter's address and says "ICMP type T
                             code C"
            rewrites, dropped  (file diff) the comparison's verdict and
                             per-call dropped SIP transmissions
The JSON fields this reads (issue 15): each dialog's "media" array, one
leg per direction and segment the call was seen on, with "direction"
("caller>callee" or "callee>caller"), "segment" ("inside" or "outside":
the sides of the NAT a capture can tell apart; the router's WAN port, a
server's and a far end's link are all outside), "state" (one of the four
words above; "not_observable" is accepted for "absent") and "ptime_ms";
the "streams" entries carry the same fields per stream. A fact for a
segment the call has no leg and no stream on, while it has legs on
another (in a pair of captures, the side the call never reached), is
judged too: it matches not_observable or absent only, and is counted on
the line "media (call not on that side)". A fact for a call with no
"media" legs at all counts as not checked.

With --sim, each run's inside capture is also replayed by sipalg-sim under
the run's profile (linux with the ALG on, off without; the run's port
forward, timeouts and sip_direct_media from its .log) and each call's
predicted outcome compared with what really happened (issue 21); with
--cross, the cross-predictions of tests/data/truth-sim-cross.tsv too.

Known mismatches (tests/data/truth-known.tsv: file, call, what, expected,
got, reason): exit 1 on a mismatch not listed there, and on a listed one
that no longer occurs (the list only shrinks). --write-known rewrites the
list from the current mismatches, keeping the reasons already written.

Usage: truth_score.py --analyze PATH [--sim PATH [--cross TSV]] --samples DIR --corpus DIR
                      --corpus-findings TSV --known TSV [--write-known]
Python 3 standard library only.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

STATES = ("delivered", "undeliverable", "absent", "not_observable")


def analyze(exe, args, cache):
    key = tuple(args)
    if key not in cache:
        r = subprocess.run([exe, "-q", "-f", "json"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        try:
            cache[key] = json.loads(r.stdout.decode("utf-8", "replace"))
        except ValueError:
            cache[key] = {"error": "exit %d: %s" % (r.returncode, r.stderr.decode()[:200])}
    return cache[key]


def by_call(js):
    """call_id -> {"symptoms": set, "advisories": set or None, "streams": []}"""
    out = {}
    for d in js.get("dialogs", []):
        e = out.setdefault(d.get("call_id"), {"symptoms": set(), "advisories": None, "streams": [],
                                               "media": [], "icmp": set()})
        e["symptoms"] |= {s["id"] for s in d.get("symptoms", [])}
        e["icmp"] |= icmp_refusals(d)
        if "advisories" in d:
            e["advisories"] = (e["advisories"] or set()) | {s["id"] for s in d["advisories"]}
        e["streams"] += d.get("streams", [])
        e["media"] += d.get("media", [])
    return out


ICMP_EV = re.compile(r"^(\S+) .*\bICMP(?:v6)? type (\d+) code (\d+)\b")


def icmp_refusals(d):
    """"REPORTER type=T code=C" for each evidence line of the dialog's
    symptoms whose field names an ICMP refusal ("ICMP refusal": its value
    starts with the reporter's address and says "ICMP type T code C")."""
    out = set()
    for s in d.get("symptoms", []):
        for ev in s.get("evidence", []):
            if not str(ev.get("field", "")).lower().startswith("icmp refusal"):
                continue
            m = ICMP_EV.match(str(ev.get("value", "")))
            if m:
                out.add("%s type=%s code=%s" % m.groups())
    return out


class Score:
    def __init__(self):
        self.ids = {}           # id -> [tp, fp, fn]
        self.verdict = {}       # class -> [tp, fp, fn]
        self.other = {}         # what -> [match, mismatch, not checked]
        self.sim = {}           # predicted outcome -> [tp, fp, fn]
        self.mismatches = []    # (file, call, what, expected, got)

    def count(self, table, key, i):
        table.setdefault(key, [0, 0, 0])[i] += 1

    def symptoms(self, label, call, what, want, got):
        req = {x for x in want if not x.startswith("?")}
        opt = {x[1:] for x in want if x.startswith("?")}
        table = self.ids if what == "symptoms" else self.other
        for i in sorted(req):
            if i in got:
                self.count(table, i if what == "symptoms" else "advisory " + i, 0)
            else:
                self.count(table, i if what == "symptoms" else "advisory " + i, 2)
        for i in sorted(got - req - opt):
            self.count(table, i if what == "symptoms" else "advisory " + i, 1)
        bad = (req - got) | (got - req - opt)
        if bad:
            self.mismatches.append((label, call, what, ",".join(sorted(want)) or "-",
                                    ",".join(sorted(got)) or "-"))

    def verdicts(self, label, want, got):
        ok = want.split("|")
        if got in ok:
            self.count(self.verdict, got, 0)
        else:
            self.count(self.verdict, got, 1)
            self.count(self.verdict, ok[0], 2)
            self.mismatches.append((label, "*", "verdict", want, got))

    def outcome(self, label, call, want, got, none="-"):
        """One call's predicted outcomes (a set: a Call-ID may hold several
        legs) against what really happened."""
        want = "registered" if want == "register" else want
        if want in got:
            self.count(self.sim, want, 0)
            return
        self.count(self.sim, want, 2)
        for g in got or {"-"}:
            self.count(self.sim, g, 1)
        self.mismatches.append((label, call, "outcome", want, ",".join(sorted(got)) or none))

    def plain(self, label, call, what, want, got, kind):
        if got is None:
            self.count(self.other, kind, 2)
            return
        if kind == "media" and got == UNREACHED:
            # the side the call never reached: judged, and counted apart
            self.count(self.other, "media (call not on that side)",
                       0 if want in ("not_observable", "absent") else 1)
            if want not in ("not_observable", "absent"):
                self.mismatches.append((label, call, what, want, got))
        elif want == got or (kind == "media" and want == "absent" and got == "not_observable"):
            self.count(self.other, kind, 0)
        else:
            self.count(self.other, kind, 1)
            self.mismatches.append((label, call, what, want, got))


def read_truth(path):
    rows = []
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        c = line.rstrip("\n").split("\t")
        if len(c) < 4:
            raise ValueError("%s: bad line: %s" % (path, line.strip()))
        rows.append(c[:4])
    return rows


def file_args(samples, run, fk):
    if fk == "pair":
        return [os.path.join(samples, "%s-%s.pcap" % (run, s)) for s in ("inside", "outside")]
    for ext in (".pcap", ".pcapng"):
        p = os.path.join(samples, "%s-%s%s" % (run, fk, ext))
        if os.path.exists(p):
            return [p]
    return None


# The analyzer's segments are the sides of the NAT it can tell apart from
# the addresses on the wire: "inside" and "outside". The router's WAN port,
# the server's link and the far end's link are all the public side, and a
# capture cannot tell them apart (the same packets, the same TTLs), so the
# truth's server and far segments are compared with the analyzer's outside.
SEGMENT = {"inside": "inside", "outside": "outside", "server": "outside", "far": "outside"}


UNREACHED = "not_observable (never reached)"


def media_value(got, d, seg):
    """The state of direction d on segment seg: the dialog's "media" legs
    (one per direction and segment) when the JSON has them, else the
    first stream of that direction and segment that carries a state.

    A call the analyzer shows on other segments but not on this one (no
    leg of either direction, no stream there: in a pair of captures, the
    side the call never reached) has nothing on that side to observe: it
    is judged as UNREACHED, which matches an expected not_observable or
    absent and nothing else; a stream of the call bound on that side
    without a leg is reported as it is. None only when the JSON has no
    media for the call at all (not checked)."""
    want = SEGMENT.get(seg, seg)
    for m in got.get("media", []):
        if m.get("direction") == d and m.get("segment") == want:
            return m.get("state")
    for s in got["streams"]:
        if s.get("direction") == d and s.get("segment") == want and "state" in s:
            return s["state"]
    if any(s.get("segment") == want for s in got["streams"]):
        return "stream without a state"
    if got.get("media") and not any(m.get("segment") == want for m in got["media"]):
        return UNREACHED
    return None


def ptime_value(got, d):
    """The measured ptime of direction d where it carries the most audio
    packets (as the truth measures it), from "media" or the streams."""
    best = None
    for m in got.get("media", []) + got["streams"]:
        if m.get("direction") == d and "ptime_ms" in m:
            n = m.get("audio_packets", m.get("packets", 0))
            if best is None or n > best[0]:
                best = (n, "%g" % float(m["ptime_ms"]))
    return best[1] if best else None


def score_kernel(a, sc, cache):
    for tp in sorted(glob.glob(os.path.join(a.samples, "*.truth"))):
        run = os.path.basename(tp)[:-len(".truth")]
        rows = read_truth(tp)
        for fk in sorted({r[0] for r in rows} - {"run"}):
            mine = [r for r in rows if r[0] == fk]
            if fk == "diff":
                args = ["--inside", file_args(a.samples, run, "inside")[0],
                        "--outside", file_args(a.samples, run, "outside")[0]]
                js = analyze(a.analyze, args, cache).get("diff", {})
                label = "%s (diff)" % run
                dl = {x.get("call_id"): x for x in js.get("dialogs", [])}
                for _, call, what, want in mine:
                    if what == "rewrites":
                        g = js.get("profile", {}).get("guess")
                        # the profile guess names "off" (no ALG at work)
                        got = None if g is None else ("no" if g in ("none", "off") else "yes")
                        sc.plain(label, call, what, want, got, "diff rewrites")
                    elif what == "dropped":
                        x = dl.get(call)
                        got = str(x["counts"]["dropped"]) if x else "0"
                        sc.plain(label, call, what, want, got, "diff dropped")
                continue
            args = file_args(a.samples, run, fk)
            if not args:
                sc.mismatches.append((run + "-" + fk, "*", "file", "present", "missing"))
                continue
            js = analyze(a.analyze, args, cache)
            top = os.path.dirname(os.path.dirname(os.path.abspath(a.samples)))
            label = " + ".join(os.path.relpath(os.path.abspath(p), top) for p in args)
            calls = by_call(js)
            listed = set()
            for _, call, what, want in mine:
                if call == "*" and what == "verdict":
                    sc.verdicts(label, want, js.get("alg", {}).get("verdict", "?"))
                    continue
                listed.add(call)
                got = calls.get(call, {"symptoms": set(), "advisories": None, "streams": [], "media": [],
                                       "icmp": set()})
                if what == "symptoms":
                    sc.symptoms(label, call, what, set() if want == "-" else set(want.split(",")),
                                got["symptoms"])
                elif what == "advisories":
                    if got["advisories"] is None:
                        sc.count(sc.other, "advisories", 2)
                    else:
                        sc.symptoms(label, call, what, set() if want == "-" else set(want.split(",")),
                                    got["advisories"])
                elif what.startswith("media:"):
                    d, _, seg = what[6:].partition("@")
                    sc.plain(label, call, what, want, media_value(got, d, seg), "media")
                elif what.startswith("ptime:"):
                    sc.plain(label, call, what, want, ptime_value(got, what[6:]), "ptime")
                elif what == "icmp_refusal":
                    sc.plain(label, call, what, want, ",".join(sorted(got["icmp"])) or "-",
                             "icmp refusal")
            # a call the expectations do not list must show nothing
            for call, got in calls.items():
                if call not in listed and got["symptoms"]:
                    sc.symptoms(label, call, "symptoms", set(), got["symptoms"])


def sim_options(samples, run):
    """sipalg-sim options that describe one testbed run (its .log), as
    tests/sim.sh derives them for the first 16 runs."""
    log = {}
    relay = False
    for line in open(os.path.join(samples, run + ".log"), errors="replace"):
        k, _, v = line.rstrip("\n").partition("=")
        log.setdefault(k, v)
        relay |= line.startswith("relay: ")
    o = ["--public-ip", "198.51.100.1"]
    if log.get("router_nf_conntrack_udp_timeout"):
        o += ["--set", "udp_timeout=" + log["router_nf_conntrack_udp_timeout"]]
    if log.get("router_nf_conntrack_udp_timeout_stream"):
        o += ["--set", "udp_stream_timeout=" + log["router_nf_conntrack_udp_timeout_stream"]]
    if log.get("wan_mtu"):
        o += ["--set", "outside_mtu=" + log["wan_mtu"]]
    if log.get("forward") == "on":
        o += ["--forward", "udp/5060", "--forward", "tcp/5060"]
    if "register_binding" in log or log.get("scenario") == "register":
        o += ["--set", "registrar_target=source"]
    if relay:
        o += ["--set", "registrar_target=source", "--set", "farend_dialog_target=source"]
    if log.get("sip_direct_media") == "0":
        # the one kernel parameter is two knobs: the SDP check and the
        # expectation's source (nf_conntrack_sip.c sip_direct_media)
        o += ["--set", "sdp_requires_src_match=false", "--set", "media_src=any"]
    return log.get("alg", "on"), o


def score_sim(a, sc, cache):
    """Each run's inside capture replayed by sipalg-sim under the profile
    of the run (linux with the ALG on, off without): the predicted outcome
    of each call must be what really happened (the run's outcome lines)."""
    if not a.sim or not os.access(a.sim, os.X_OK):
        print("truth: sipalg-sim not built: simulator not scored")
        return
    for tp in sorted(glob.glob(os.path.join(a.samples, "*.truth"))):
        run = os.path.basename(tp)[:-len(".truth")]
        inside = file_args(a.samples, run, "inside")
        if not inside:
            continue
        alg, opts = sim_options(a.samples, run)
        prof = "linux" if alg == "on" else "off"
        key = ("sim", run)
        if key not in cache:
            r = subprocess.run([a.sim, "-f", "json", "--profile", prof] + opts + inside,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                cache[key] = json.loads(r.stdout.decode("utf-8", "replace"))["runs"][0]["dialogs"]
            except (ValueError, KeyError, IndexError):
                cache[key] = []
        pred = {}
        for d in cache[key]:
            pred.setdefault(d.get("call_id"), set()).add(d.get("outcome"))
        rows = read_truth(tp)
        # only what the inside capture holds can be replayed
        inside_calls = {r[1] for r in rows if r[0] == "inside"}
        for f, call, what, want in rows:
            # "other": not an INVITE dialog nor a registration (an OPTIONS),
            # which truth.py gives no outcome to judge a prediction by
            if f != "run" or what != "outcome" or call not in inside_calls or want == "other":
                continue
            sc.outcome("%s (sim %s, inside)" % (run, prof), call, want, pred.get(call, set()))


def score_cross(a, sc, cache):
    """Cross-predictions (tests/data/truth-sim-cross.tsv): a run where
    the traffic got through, replayed under another profile and knobs,
    must predict what the kernel did in the twin run that has them. Calls
    are matched by order (the two runs have different Call-IDs)."""
    if not a.cross or not os.path.exists(a.cross) or not a.sim or not os.access(a.sim, os.X_OK):
        return
    for line in open(a.cross):
        if line.startswith("#") or not line.strip():
            continue
        src, prof, opts, twin = line.rstrip("\n").split("\t")[:4]
        inside = file_args(a.samples, src, "inside")
        _, base = sim_options(a.samples, twin)
        args = ["-f", "json", "--profile", prof] + base + (opts.split() if opts != "-" else []) + inside
        r = subprocess.run([a.sim] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            dl = json.loads(r.stdout.decode("utf-8", "replace"))["runs"][0]["dialogs"]
        except (ValueError, KeyError, IndexError):
            dl = []
        got = []
        for d in dl:
            if not got or got[-1][0] != d.get("call_id"):
                got.append((d.get("call_id"), set()))
            got[-1][1].add(d.get("outcome"))
        want = [w for f, c, what, w in read_truth(os.path.join(a.samples, twin + ".truth"))
                if f == "run" and what == "outcome"]
        src_rows = read_truth(os.path.join(a.samples, src + ".truth"))
        src_calls = [c for f, c, what, w in src_rows if f == "run" and what == "outcome"]
        inside_calls = {c for f, c, what, w in src_rows if f == "inside"}
        for i, (c, w) in enumerate(zip(src_calls, want)):
            if c not in inside_calls or w == "other":
                continue
            err = r.stderr.decode("utf-8", "replace").strip().split("\n")[0]
            sc.outcome("%s (sim %s%s, inside) -> %s" % (src, prof, "" if opts == "-" else " " + opts, twin),
                       c, w, next((o for cid, o in got if cid == c), set()),
                       "error: " + err if r.returncode > 1 else "-")


def score_corpus(a, sc, cache):
    if not os.path.isdir(a.corpus):
        print("truth: %s absent: corpus findings not scored" % a.corpus)
        return
    want = {}
    for line in open(a.corpus_findings):
        if line.startswith("#") or not line.strip():
            continue
        f, i, n = line.split("\t")[:3]
        want.setdefault(f, {})[i] = int(n)
    for path in sorted(glob.glob(os.path.join(a.corpus, "*"))):
        b = os.path.basename(path)
        if b.endswith(".md"):
            continue
        js = analyze(a.analyze, [path], cache)
        if "error" in js:
            continue
        got = {}
        for d in js.get("dialogs", []):
            for i in {s["id"] for s in d.get("symptoms", [])}:
                got[i] = got.get(i, 0) + 1
        exp = {i: n for i, n in want.get(b, {}).items() if n > 0}
        for i in sorted(set(exp) | set(got)):
            e, g = exp.get(i, 0), got.get(i, 0)
            t = sc.ids.setdefault(i, [0, 0, 0])
            t[0] += min(e, g)
            t[1] += max(0, g - e)
            t[2] += max(0, e - g)
            if e != g:
                sc.mismatches.append(("corpus/" + b, "*", "dialogs with " + i, str(e), str(g)))


def report(sc):
    def pr(tp, fp, fn):
        p = "%.2f" % (tp / (tp + fp)) if tp + fp else "-"
        r = "%.2f" % (tp / (tp + fn)) if tp + fn else "-"
        return p, r
    print("%-26s %5s %5s %5s %9s %6s" % ("symptom id", "TP", "FP", "FN", "precision", "recall"))
    tot = [0, 0, 0]
    for i in sorted(sc.ids):
        tp, fp, fn = sc.ids[i]
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        print("%-26s %5d %5d %5d %9s %6s" % ((i, tp, fp, fn) + pr(tp, fp, fn)))
    print("%-26s %5d %5d %5d %9s %6s" % (("all symptoms",) + tuple(tot) + pr(*tot)))
    print()
    print("%-26s %5s %5s %5s %9s %6s" % ("ALG verdict", "TP", "FP", "FN", "precision", "recall"))
    for v in ("likely", "unlikely", "unknown"):
        tp, fp, fn = sc.verdict.get(v, [0, 0, 0])
        print("%-26s %5d %5d %5d %9s %6s" % ((v, tp, fp, fn) + pr(tp, fp, fn)))
    print()
    print("%-26s %5s %5s %5s %9s %6s" % ("simulator outcome", "TP", "FP", "FN", "precision", "recall"))
    for k in sorted(sc.sim):
        tp, fp, fn = sc.sim[k]
        print("%-26s %5d %5d %5d %9s %6s" % ((k, tp, fp, fn) + pr(tp, fp, fn)))
    print()
    print("%-26s %9s %9s %12s" % ("other expectations", "match", "mismatch", "not checked"))
    for k in sorted(sc.other):
        print("%-26s %9d %9d %12d" % ((k,) + tuple(sc.other[k])))
    for k in ("media", "ptime"):
        if sc.other.get(k, [0, 0, 0])[2]:
            print("(%d %s facts not checked: the JSON has no \"media\" leg or stream for that "
                  "direction and segment)" % (sc.other[k][2], k))
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--sim")
    ap.add_argument("--cross")
    ap.add_argument("--samples", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--corpus-findings", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--write-known", action="store_true")
    a = ap.parse_args()
    sc = Score()
    cache = {}
    score_kernel(a, sc, cache)
    score_sim(a, sc, cache)
    score_cross(a, sc, cache)
    score_corpus(a, sc, cache)
    report(sc)
    known = {}
    if os.path.exists(a.known):
        for line in open(a.known):
            if line.startswith("#") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            known[tuple(c[:5])] = c[5] if len(c) > 5 else ""
    if not os.path.isdir(a.corpus):
        # without the corpus its known mismatches can neither occur nor go
        known = {k: v for k, v in known.items() if not k[0].startswith("corpus/")}
    now = {tuple(m) for m in sc.mismatches}
    print("mismatches: %d (%d known)" % (len(now), len(now & set(known))))
    for m in sorted(now):
        print("  %s | %s | %s | expected %s | got %s%s" % (m + ("" if m in known else "   [NEW]",)))
    gone = sorted(set(known) - now)
    for m in gone:
        print("  FIXED, remove from %s: %s | %s | %s | expected %s | got %s" % ((a.known,) + m))
    if a.write_known:
        with open(a.known, "w") as f:
            f.write(KNOWN_HEAD)
            for m in sorted(now):
                f.write("\t".join(m + (known.get(m) or reason(m),)) + "\n")
        print("truth: %d known mismatches written to %s" % (len(now), a.known))
        return 0
    new = now - set(known)
    if new or gone:
        print("truth: FAIL: %d new mismatches, %d known mismatches no longer occur" % (len(new), len(gone)))
        return 1
    print("truth: ok (every mismatch is a known one)")
    return 0


KNOWN_HEAD = """# tests/data/truth-known.tsv - mismatches between sipalg-analyze and the
# ground truth that are known today (tests/truth.sh, make truth). One line per
# mismatch: file, call, what, expected, got, reason. make check fails on a
# mismatch not listed here and on a listed one that no longer occurs, so this
# list only shrinks as issues 15, 16 and 21 land: remove the lines a fix
# makes obsolete. Never add a line to make a regression pass.
# file	call	what	expected	got	reason
"""


def reason(m):
    """A first reason for a mismatch, by its class and run (the lines are
    reviewed by hand after --write-known)."""
    label, call, what, want, got = m
    run = os.path.basename(label.split(" + ")[0]).split(" (")[0]
    if label.startswith("corpus/"):
        return "corpus: finding count differs from corpus-findings.tsv"
    if what == "verdict":
        if got == "likely":
            return "16.1: likely from opaque tokens (private Call-ID) with the ALG off"
        if "tcp-split" in run:
            return "16.1: translated and untranslated messages in one dialog not scored as evidence"
        if want.startswith("likely"):
            return "16.1: a response Via differing from its request's is not scored as evidence"
        return "16.1: verdict from the wrong evidence"
    if what == "icmp_refusal":
        return ("the ICMP error quoting the INVITE is not evidence on its dialog "
                "(analysis.c on_unreach drops a SIP-quoting ICMP: counted by decode only)")
    if what in ("rewrites", "dropped"):
        return "inside/outside comparison differs from the measured facts"
    if "(sim" in label:
        if got.startswith("error:"):
            return "21: the knob this cross-prediction needs does not exist yet"
        why = {"oversize": "21.1: MTU after rewriting", "overlap": "21.2: pinholes belong to the flow",
               "register": "21.3: REGISTER pinhole rule", "farmedia": "21.4/sip_direct_media: media from another address",
               "stun": "21.5: a phone that writes its public address (the far end's early RTP takes its port)",
               "tcp-split": "21.6: dialog through a split TCP message",
               "latch": "21 honest predictions: a far end that latches is not inferred",
               "natproxy": "21: far end's RTP first (port taken) not modelled",
               "b2bua": "21: far end's RTP first (port taken) not modelled",
               "spiral": "21: far end's RTP first (port taken) not modelled"}
        for k, v in why.items():
            if k in run:
                return v
        return "21: the simulator predicts another outcome than the kernel gave"
    if what != "symptoms":
        return "15: per-direction media state / ptime"
    w = set(want.split(","))
    g = set(got.split(",")) - {"-"}
    fn = {x for x in w if not x.startswith("?") and x != "-"} - g
    fp = g - {x.lstrip("?") for x in w}
    parts = []
    media_fn = fn & {"one_way_audio", "no_audio"}
    wrong_call = fp & {"no_audio"} and ("back-to-back" in run or "overlap" in run)
    if media_fn and not (fp & {"one_way_audio"} and "no_audio" in fn) and not wrong_call:
        if "-server" in label or "-far" in label:
            parts.append("15.2: RTP sent to an address the receiver does not use is on the wire here, "
                         "not judged undeliverable")
        elif any(k in run for k in ("ptime60", "ptime30", "ptime40", "cn-dtx")):
            parts.append("15.1: rate predicted from a=ptime or 20 ms, not measured from the stream")
        elif "phone-silent" in run:
            parts.append("15.1: a direction that never carried RTP is not judged dead")
        elif any(k in run for k in ("natproxy", "spiral", "b2bua", "farmedia", "overlap", "stun")):
            parts.append("15.2: far-end RTP refused by the NAT (to a port no mapping has) not judged")
        else:
            parts.append("15: media finding missed")
    if wrong_call:
        parts.append("15.4: RTP of the other call (same ports/SSRC or same flow) bound to the wrong call")
    elif fp & {"one_way_audio"} and "no_audio" in fn:
        parts.append("15.2: RTP sent to a private address counted as one working direction")
    elif fp & {"no_audio", "one_way_audio"}:
        parts.append("15: media finding where the call does not have it")
    if "oversize_drop" in fn:
        parts.append("16.7: oversize_drop not implemented")
    if "alg_rewrite_evidence" in fn:
        parts.append("16.1: rewrite shown in this file not reported")
    if "alg_rewrite_evidence" in fp:
        parts.append("16.1: rewrite evidence claimed with the ALG off (private Call-ID only)")
    if "inbound_call_unanswered" in fp:
        if "oversize" in run:
            parts.append("16.7: an outbound INVITE lost to the MTU reported as an inbound call unanswered")
        else:
            parts.append("16.4: the failed INVITE reported again on the REGISTER dialog")
    if "registration_failure" in fp:
        parts.append("16.2: a registration risk reported as a failure, not an advisory")
    if fn & {"ack_timeout_drop", "inbound_call_unanswered"}:
        parts.append("16.4: signalling failure not reported")
    return "; ".join(parts) or "15/16: symptom set differs"


if __name__ == "__main__":
    sys.exit(main())
