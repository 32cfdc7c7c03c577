#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for ewoe in tests/ansible: what the collection reads of it, without a DPU.

The node's state is the config it last applied, kept in --root DIR (applied.conf). setup
applies a config (--json: an ewoe-setup/1 document, changed when the file differs),
--dry-run setup plans it (reading --config /dev/stdin too), verify reports every peer of the
config up except those named in DIR/down (one a line), teardown forgets the config. Every
command line is appended to DIR/calls.
"""
import json
import os
import re
import sys


def peers(text):
    return re.findall(r"^\[peer ([^\]]+)\]", text, re.M)


def main(argv):
    opts = {"json": False, "dry_run": False, "root": "/"}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        a = argv[i]
        if a in ("--db", "--vici", "--root", "--timeout"):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        opts["json"] |= a == "--json"
        opts["dry_run"] |= a in ("--dry-run", "-n")
        i += 1
    cmd, args = argv[i], argv[i + 1:]
    root = opts["root"]
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "calls"), "a") as f:
        f.write(" ".join(argv) + "\n")
    conf = args[args.index("--config") + 1] if "--config" in args else None
    applied_path = os.path.join(root, "applied.conf")
    applied = open(applied_path).read() if os.path.exists(applied_path) else None
    if cmd == "setup":
        text = sys.stdin.read() if conf == "/dev/stdin" else open(conf).read()
        if "[node]" not in text:
            print("ewoe: %s: no [node] section" % conf, file=sys.stderr)
            return 2
        # Content, not bytes: Ansible's stdin ends with a newline of its own.
        changed = text.strip() != (applied or "").strip()
        old = set(peers(applied or ""))
        actions = []
        if changed:
            for p in peers(text):
                actions.append({"kind": "changed" if p in old else "created",
                                "type": "ike-connection", "object": "ewoe-" + p,
                                "action": "%sload connection ewoe-%s" % (
                                    "would " if opts["dry_run"] else "", p)})
        if not opts["dry_run"]:
            with open(applied_path, "w") as f:
                f.write(text)
        if opts["json"]:
            print(json.dumps({"schema": "ewoe-setup/1", "dry_run": opts["dry_run"],
                              "config": conf, "actions": actions, "peers": [],
                              "changed": changed, "verify": None, "errors": [],
                              "result": "ok", "exit": 0}, indent=2))
        return 0
    if cmd == "verify":
        text = open(conf).read()
        down_path = os.path.join(root, "down")
        down = open(down_path).read().split() if os.path.exists(down_path) else []
        tunnels, checks = [], []
        for p in peers(text):
            up = p not in down
            tunnels.append({"peer": p, "remote": "192.0.2.99", "state": "up" if up else "down",
                            "critical": False,
                            "cause": None if up else "no IKE_SA with 192.0.2.99",
                            "fix": None if up else "'ewoe setup' on both"})
            checks.append({"peer": p, "category": "ike", "item": "ike sa",
                           "status": "ok" if up else "fail", "severity": None if up else "error",
                           "found": "ESTABLISHED" if up else "none",
                           "expected": "ESTABLISHED", "fix": None if up else "'ewoe setup'"})
        bad = any(t["state"] != "up" for t in tunnels)
        print(json.dumps({"schema": "ewoe-verify/2", "expect_offload": "none",
                          "checks": checks, "tunnels": tunnels, "summary": {},
                          "result": "problems" if bad else "ok"}, indent=2))
        return 3 if bad else 0
    if cmd == "teardown":
        if applied is None:
            print("nothing of ewoe's to remove (bridge vxlan-br)")
        else:
            for p in peers(applied):
                print("peer %s: removed" % p)
            os.unlink(applied_path)
        return 0
    print("fake-ewoe: unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
