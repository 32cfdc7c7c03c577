#!/usr/bin/env python3
"""The plaintext measurement's wire, phase by phase (bench/guest-bench.sh, measurement "leak").

usage: leak-count.py PHASES CAPTURE
PHASES: "NAME START" lines (epoch seconds) and a last "end TIME"; CAPTURE: `tcpdump -tt -nn`
lines of ESP and UDP port 4789 on the wire. Prints one "NAME,PLAINTEXT,ESP" line per phase:
the plaintext VXLAN packets (either direction) and the ESP packets seen during it.
"""
import sys


def main():
    phases = []
    for line in open(sys.argv[1]):
        name, _, start = line.rstrip("\n").rpartition(" ")
        phases.append([name, float(start), 0, 0])
    end = phases.pop()[1]
    for line in open(sys.argv[2]):
        fields = line.split()
        try:
            t = float(fields[0])
        except (IndexError, ValueError):
            continue  # tcpdump's second line for a VXLAN packet: the inner frame
        if t > end or t < phases[0][1]:
            continue
        current = phases[0]
        for p in phases:
            if p[1] <= t:
                current = p
        plain = ".4789:" in line or ".4789 >" in line
        current[2 if plain else 3] += 1
    for name, _, plain, esp in phases:
        print("%s,%d,%d" % (name, plain, esp))


if __name__ == "__main__":
    main()
