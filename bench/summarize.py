#!/usr/bin/env python3
"""Turn bench/measure.sh's raw CSV into the markdown table of bench/results/results.md.

usage: summarize.py RAW_CSV MODE SECONDS
Every figure is the median of the reps of one way; every ratio compares two ways measured in
the same boot of the lab, rep by rep interleaved. verify.csv and leak.csv beside RAW_CSV, when
there, add what `ewoe verify` found after each way's bring-up and the plaintext VXLAN counted
on the wire.
"""
import csv
import os
import statistics
import sys
from collections import defaultdict

WAYS = {"ewoe": "ewoe", "script": "the script's way", "sequential": "the script's way",
        "ovsipsec": "OVS IPsec"}


def main():
    raw, mode, took = sys.argv[1], sys.argv[2], sys.argv[3]
    wall = defaultdict(list)  # (measurement, n, way) -> [ms]
    rss = {}  # (measurement, n, way) -> KiB
    single = defaultdict(lambda: defaultdict(float))  # n -> rep -> slowest peer's ms
    cpu = defaultdict(list)  # (measurement, n, way) -> [(busy %, command's, charons', OVS',
    #                                                       monitor's ms)]
    failed = []
    with open(raw) as f:
        for row in csv.DictReader(f):
            key = (row["measurement"], int(row["n"]), row["way"])
            if row["way"] == "single":
                rep = row["rep"]
                single[key[1]][rep] = max(single[key[1]][rep], float(row["wall_ms"]))
            elif row["rep"] == "rss":
                rss[key] = int(row["peak_rss_kib"])
            else:
                wall[key].append(float(row["wall_ms"]))
                if row.get("busy_pct"):  # absent in runs before the harness recorded CPU
                    cpu[key].append((int(row["busy_pct"]), int(row["cmd_cpu_ms"]),
                                     int(row["charons_cpu_ms"]), int(row["ovs_cpu_ms"]),
                                     int(row.get("monitor_cpu_ms") or 0)))
            if row["exit"] not in ("0", "3") and row["way"] != "single":
                failed.append("%s %s %s rep %s exited %s" % (key + (row["rep"], row["exit"])))

    def med(m, n, way):
        v = wall.get((m, n, way))
        return statistics.median(v) if v else None

    def reps(m, n, way):
        return len(wall.get((m, n, way), []))

    def ms(v):
        return "%.1f" % v if v is not None and v < 100 else ("%.0f" % v if v is not None else "-")

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    out = []
    p = out.append
    p("# ewoe benchmark results (%s run, %s s)" % (mode, took))
    p("")
    p("Medians of interleaved reps in one boot of the lab (user-mode Linux 6.1, one vCPU).")
    p("Ratios compare two ways measured in the same run; absolute times are the emulator's.")
    p("")
    p("| # | what | N | ewoe | other way | other | ratio | target | |")
    p("|---|---|---:|---:|---|---:|---:|---|---|")
    for n in sorted({k[1] for k in wall if k[0] == "push"}):
        e, s = med("push", n, "ewoe"), med("push", n, "script")
        target = "other ÷ ewoe ≥ 20" if n == 256 else ""
        ok = verdict(s / e >= 20) if n == 256 else ""
        p("| 1 | config push (ms), reps %d | %d | %s | ovs-vsctl per port + swanctl --load-all"
          " | %s | other ÷ ewoe = %.1f | %s | %s |" % (reps("push", n, "ewoe"), n, ms(e), ms(s), s / e,
                                            target, ok))
        o = med("push", n, "ovsipsec")
        if o:
            p("| 1 | config push (ms), reps %d | %d | %s | OVS IPsec: ovs-vsctl per port with "
              "options:psk, until ovs-monitor-ipsec has every tunnel routed in charon | %s | "
              "other ÷ ewoe = %.1f | %s | %s |" % (reps("push", n, "ovsipsec"), n, ms(e), ms(o),
                                                   o / e, target, verdict(o / e >= 20) if n == 256 else ""))
    for n in sorted({k[1] for k in wall if k[0] == "reconcile"}):
        e = med("reconcile", n, "ewoe")
        target = "< 500 ms" if n == 256 else ""
        ok = verdict(e < 500) if n == 256 else ""
        p("| 5 | reconcile: setup again, nothing to change (ms), reps %d | %d | %s | (the timer's"
          " run; no other way has one) | | | %s | %s |" % (reps("reconcile", n, "ewoe"), n, ms(e),
                                                          target, ok))
    for n in sorted({k[1] for k in wall if k[0] == "up"}):
        e, s = med("up", n, "ewoe"), med("up", n, "sequential")
        # The rep with the fastest slowest peer: one IKE retransmission (charon waits 4 s
        # before its first) in the sequential run would otherwise flatter ewoe's ratio.
        slow = min(single[n].values()) if single[n] else None
        p("| 2 | all tunnels up (ms), reps %d | %d | %s | swanctl --initiate per child, one peer "
          "at a time | %s | other ÷ ewoe = %.1f | | |" % (reps("up", n, "ewoe"), n, ms(e), ms(s), s / e))
        o = med("up", n, "ovsipsec")
        if o:
            p("| 2 | tunnels up (ms), reps %d | %d | %s | OVS IPsec: its push, then host traffic "
              "until every tunnel's outbound CHILD_SA is up (2 of 4 SAs) | %s | other ÷ ewoe = %.1f"
              " | | |" % (reps("up", n, "ovsipsec"), n, ms(e), ms(o), o / e))
        if slow:
            p("| 2 | all tunnels up vs the slowest single peer's IKE sequence | %d | %s | slowest "
              "peer in the sequential run (best rep) | %s | ewoe ÷ other = %.2f | ewoe ÷ other ≤ 2 | %s |"
              % (n, ms(e), ms(slow), e / slow, verdict(e / slow <= 2)))
    for n in sorted({k[1] for k in wall if k[0] == "verify"}):
        e, s, d = med("verify", n, "ewoe"), med("verify", n, "script"), med("verify", n, "mnl_dump")
        p("| 3 | verify, %d SAs + policies (ms), reps %d | %d | %s | ip -s xfrm state + awk | %s"
          " | other ÷ ewoe = %.2f | other ÷ ewoe ≥ 5 | %s |" % (n, reps("verify", n, "ewoe"), n, ms(e), ms(s), s / e,
                                            verdict(s / e >= 5)))
        p("| 3 | verify against the kernel's floor | %d | %s | libmnl dump, discarded | %s | ewoe ÷ other = %.2f"
          " | ewoe ÷ other ≤ 1.3 | %s |" % (n, ms(e), ms(d), e / d, verdict(e / d <= 1.3)))
        r = rss.get(("verify", n, "ewoe"))
        if r:
            p("| 3 | verify peak RSS (MiB) | %d | %.1f | ip + awk (awk's) / libmnl dump | %.1f / "
              "%.1f | | < 16 MiB | %s |" % (n, r / 1024, rss.get(("verify", n, "script"), 0) / 1024,
                                            rss.get(("verify", n, "mnl_dump"), 0) / 1024,
                                            verdict(r < 16 * 1024)))
    if wall.get(("startup", 1, "ewoe")):
        e, s, d = med("startup", 1, "ewoe"), med("startup", 1, "script"), med("startup", 1, "mnl_dump")
        p("| 4 | verify, one tunnel, daemons reached (ms), reps %d | 1 | %s | ip -s xfrm state + awk"
          " | %s | ewoe ÷ other = %.2f | | |" % (reps("startup", 1, "ewoe"), ms(e), ms(s), e / s))
        p("| 4 | verify, one tunnel, vs the kernel's floor | 1 | %s | libmnl dump | %s | ewoe ÷ other = %.2f | | |"
          % (ms(e), ms(d), e / d))
        r = rss.get(("startup", 1, "ewoe"))
        if r:
            p("| 4 | verify, one tunnel, peak RSS (MiB) | 1 | %.1f | ip + awk / libmnl dump | "
              "%.1f / %.1f | | | |" % (r / 1024, rss.get(("startup", 1, "script"), 0) / 1024,
                                     rss.get(("startup", 1, "mnl_dump"), 0) / 1024))
    three = [n for n in sorted({k[1] for k in wall if k[0] in ("push", "up")})]
    if any(med(m, n, "ovsipsec") for m in ("push", "up") for n in three):
        p("")
        p("The three ways side by side (medians, ms; ratios to ewoe in the same run):")
        p("")
        p("| measurement | N | ewoe | the script's way | OVS IPsec | script ÷ ewoe | OVS IPsec ÷ ewoe |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        for m, other in (("push", "script"), ("up", "sequential")):
            for n in sorted({k[1] for k in wall if k[0] == m}):
                e, s, o = med(m, n, "ewoe"), med(m, n, other), med(m, n, "ovsipsec")
                p("| %s | %d | %s | %s | %s | %s | %s |" % (
                    "config push" if m == "push" else "tunnels up", n, ms(e), ms(s), ms(o),
                    "%.1f" % (s / e) if s and e else "-", "%.1f" % (o / e) if o and e else "-"))
    for m, title in (("push", "the push"), ("up", "the bring-up")):
        rows = [k for k in sorted(cpu) if k[0] == m]
        if not rows:
            continue
        p("")
        p("Where %s's time goes (medians over reps): how busy the guest's one vCPU was," % title)
        p("and the CPU time of the command (ewoe; the ovs-vsctl and swanctl processes of the")
        p("script's way; OVS IPsec's ovs-vsctl processes and the harness's wait), of the charons,")
        p("of both arms' ovsdb-server and ovs-vswitchd, and of")
        p("ovs-monitor-ipsec with the `ipsec` commands it runs and starter. The rest of a busy vCPU")
        p("is the kernel's.")
        p("")
        p("| N | way | wall (ms) | vCPU busy | command's CPU (ms) | charons' CPU (ms) | OVS' CPU (ms) "
          "| ovs-monitor-ipsec + starter (ms) |")
        p("|---:|---|---:|---:|---:|---:|---:|---:|")
        for mm, n, way in rows:
            v = cpu[(mm, n, way)]
            p("| %d | %s | %s | %d%% | %d | %d | %d | %d |" % (
                n, way, ms(med(mm, n, way)), *(statistics.median(x[i] for x in v) for i in range(5))))
    here = os.path.dirname(os.path.abspath(raw))
    vpath = os.path.join(here, "verify.csv")
    if os.path.exists(vpath):
        p("")
        p("`ewoe --json verify` on arm1 after each way's bring-up (outside the timing): checks ok,")
        p("failed, skipped, and the failed ones by kind (summed over the tunnels and reps).")
        p("")
        p("| measurement | N | way | reps | exit | ok | failed | skipped | failed checks |")
        p("|---|---:|---|---:|---|---:|---:|---:|---|")
        groups = defaultdict(list)
        with open(vpath) as f:
            for row in csv.DictReader(f):
                groups[(row["measurement"], int(row["n"]), row["way"])].append(row)
        for (m, n, way), rs in sorted(groups.items()):
            kinds = defaultdict(int)
            for r in rs:
                for part in filter(None, (r["failed_kinds"] or "").split("; ")):
                    name, _, count = part.rpartition(" x")
                    kinds[name] += int(count)
            p("| %s | %d | %s | %d | %s | %d | %d | %d | %s |" % (
                m, n, way, len(rs), "/".join(sorted({r["exit"] for r in rs})),
                statistics.median(int(r["ok"]) for r in rs),
                statistics.median(int(r["failed"]) for r in rs),
                statistics.median(int(r["skipped"]) for r in rs),
                "; ".join("%s ×%d" % kv for kv in sorted(kinds.items())) or "none"))
    lpath = os.path.join(here, "leak.csv")
    if os.path.exists(lpath):
        runs = defaultdict(dict)  # (way, mark, rep) -> phase -> row
        with open(lpath) as f:
            for row in csv.DictReader(f):
                runs[(row["way"], row["skb_mark"], row["rep"])][row["phase"]] = row
        p("")
        p("Plaintext VXLAN packets on the wire p0 (both directions), host1 pinging host2 every")
        p("50 ms: before anything is configured; during bring-up (arm1 configured, arm2 3 s later,")
        p("until the first ping gets across, at most 200 s); for 3 s after arm1's IKE daemon")
        p("stopped cleanly. ipsec_skb_mark = 0/1 on both arms' Open_vSwitch other_config, or unset.")
        p("")
        p("| way | ipsec_skb_mark | rep | before | bring-up | first ping across (s) | IKE daemon "
          "stopped | ESP packets |")
        p("|---|---|---:|---:|---:|---:|---:|---:|")
        order = {"ewoe": 0, "script": 1, "ovsipsec": 2}
        for (way, mark, rep), ph in sorted(runs.items(), key=lambda kv: (order.get(kv[0][0], 9),
                                                                           kv[0][1], kv[0][2])):
            def cnt(name):
                return ph[name]["plaintext_vxlan"] if name in ph else "-"
            stop = "IKE daemon stopped on arm1"
            p("| %s | %s | %s | %s | %s | %s | %s | %d |" % (
                WAYS.get(way, way), "0/1" if mark == "on" else "unset", rep, cnt("before"),
                cnt("bring-up"), (ph.get("bring-up") or {}).get("back_s") or "-", cnt(stop),
                sum(int(r["esp"]) for r in ph.values())))
    if failed:
        p("")
        p("Runs that exited non-zero: " + "; ".join(failed))
    print("\n".join(out))


if __name__ == "__main__":
    main()
