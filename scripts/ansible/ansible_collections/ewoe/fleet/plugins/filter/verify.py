# SPDX-License-Identifier: GPL-2.0-or-later
"""What a rollout's gate reports from `ewoe --json verify` (schema ewoe-verify/2)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import json


def _check_line(c):
    line = "%s: found %s, expected %s" % (c.get("item"), c.get("found"), c.get("expected"))
    if c.get("fix"):
        line += "; fix: %s" % c["fix"]
    return line


def verify_problems(stdout, judged=None):
    """The problems in one node's verify report, as lines a person reads.

    judged: the peer names whose tunnels count (peers not rolled out yet are down by
    design); None for every tunnel. Node-wide failures (the PF, the representor, the
    underlay address, the MTU) always count. Empty when the node passes.
    """
    try:
        doc = json.loads(stdout or "")
    except ValueError:
        return ["ewoe verify wrote no report: %r" % (stdout or "")[:200]]
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("ewoe-verify/"):
        return ["ewoe verify wrote something else than its report: %r" % str(stdout)[:200]]
    if doc.get("result") == "error":
        return ["ewoe verify could not check: %s" % doc.get("error", "unknown error")]
    judged = None if judged is None else set(judged)
    checks = doc.get("checks", [])
    problems = []
    for c in checks:
        if c.get("peer") is None and c.get("status") == "fail":
            problems.append("(node) " + _check_line(c))
    for t in doc.get("tunnels", []):
        if judged is not None and t.get("peer") not in judged:
            continue
        if t.get("state") == "up" and not t.get("critical"):
            continue
        problems.append("%s (%s): %s%s: %s; fix: %s" % (
            t.get("peer"), t.get("remote"), t.get("state", "?").upper(),
            ", CRITICAL: VXLAN passes unencrypted" if t.get("critical") else "",
            t.get("cause"), t.get("fix")))
        for c in checks:
            if c.get("peer") == t.get("peer") and c.get("status") == "fail":
                problems.append("  " + _check_line(c))
    if judged is not None:
        seen = set(t.get("peer") for t in doc.get("tunnels", []))
        for name in sorted(judged - seen):
            problems.append("%s: no tunnel in this node's report (not in its ewoe.conf?)" % name)
    return problems


class FilterModule:
    """ewoe's verify filters."""

    def filters(self):
        return {"verify_problems": verify_problems}
