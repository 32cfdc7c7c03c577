#!/usr/bin/env python3
"""The fail-closed run's wire, phase by phase (guest-failclosed.sh).

usage: failclosed-report.py PHASES CAPTURE RESULTS [ALLOWED_PHASE]

PHASES: "NAME START" lines and a final "end TIME"; CAPTURE: `tcpdump -tt -nn` lines of ESP and
UDP port 4789; RESULTS: "NAME back SECONDS" and "NAME injected-reached N" lines. Prints one
table row per phase and exits 1 when any phase but ALLOWED_PHASE (the deliberate control) saw
a plaintext VXLAN packet.
"""
import sys


def main():
    phases_path, capture_path, results_path = sys.argv[1:4]
    allowed = sys.argv[4] if len(sys.argv) > 4 else None
    phases = []
    for line in open(phases_path):
        name, _, start = line.rstrip("\n").rpartition(" ")
        phases.append([name, float(start), 0, 0])
    end = phases.pop()[1]
    results = {}
    for line in open(results_path):
        name, kind, value = line.rstrip("\n").rsplit(" ", 2)
        results.setdefault(name, {})[kind] = value
    for line in open(capture_path):
        fields = line.split()
        try:
            t = float(fields[0])
        except (IndexError, ValueError):
            continue  # tcpdump's second line for a VXLAN packet: the inner frame
        if ".54321 >" in line:
            continue  # a frame the test injected itself (inject-vxlan.py's source port)
        plain = ".4789:" in line or ".4789 >" in line
        for p in phases:
            if p[1] <= t:
                current = p
        if t > end:
            current = phases[-1]
        current[2 if plain else 3] += 1
    bad = 0
    print("%-52s %9s %7s %8s %s" % ("phase", "plaintext", "ESP", "back (s)", "injected frames that reached host2"))
    for name, start, plain, esp in phases:
        r = results.get(name, {})
        print("%-52s %9d %7d %8s %s" % (name, plain, esp, r.get("back", "-"), r.get("injected-reached", "-")))
        if plain and name != allowed:
            bad += plain
    total = sum(p[2] for p in phases if p[0] != allowed)
    print("plaintext VXLAN packets on the wire outside the control: %d" % total)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
