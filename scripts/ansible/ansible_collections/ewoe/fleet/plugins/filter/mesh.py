# SPDX-License-Identifier: GPL-2.0-or-later
"""The full mesh of an inventory group, as ewoe.conf needs it.

Every member of the group peers with every other member. A pair authenticates with a PSK
when both ends say ewoe_auth: psk (the default), else with certificates from the
controller's CA. Of a pair, the member that comes later in the group initiates IKE: rolled
out in the group's order, a node only ever initiates to peers that are configured already.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import ipaddress
import re

from ansible.errors import AnsibleFilterError

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,31}$")
AUTHS = ("psk", "ca")


def _member(hostvars, host):
    """What the mesh needs of one member, from its host variables, checked."""
    hv = hostvars[host]
    name = str(hv.get("ewoe_name", host))
    if not NAME.match(name):
        raise AnsibleFilterError(
            "%s: ewoe_name %r: use 1-31 of A-Z a-z 0-9 _ . - (it names the peer's "
            "strongSwan connection ewoe-NAME)" % (host, name))
    address = hv.get("ewoe_address")
    if not address:
        raise AnsibleFilterError(
            "%s: ewoe_address is not set (the PF's underlay address, e.g. 192.0.2.1/24)"
            % host)
    try:
        iface = ipaddress.ip_interface(str(address))
    except ValueError as err:
        raise AnsibleFilterError("%s: ewoe_address %r: %s" % (host, address, err))
    auth = str(hv.get("ewoe_auth", "psk"))
    if auth not in AUTHS:
        raise AnsibleFilterError(
            "%s: ewoe_auth %r: use psk or ca" % (host, auth))
    identity = str(hv.get("ewoe_identity", name))
    if not identity or re.search(r'["\\,=+<>#;/\s]', identity):
        raise AnsibleFilterError(
            "%s: ewoe_identity %r: a certificate's common name without spaces or "
            "any of \" \\ , = + < > # ; /" % (host, identity))
    return {
        "host": host,
        "name": name,
        "address": str(iface.ip),
        "auth": auth,
        "identity": identity,
    }


def _members(members, hostvars):
    seen_names, seen_addresses, out = {}, {}, []
    for host in members:
        m = _member(hostvars, host)
        for key, seen in (("name", seen_names), ("address", seen_addresses)):
            if m[key] in seen:
                raise AnsibleFilterError(
                    "%s and %s have the same ewoe %s %s: each member needs its own"
                    % (seen[m[key]], host, key, m[key]))
            seen[m[key]] = host
        out.append(m)
    return out


def pair_id(a, b):
    """The name both ends of a pair agree on: their ewoe names, sorted."""
    return "--".join(sorted((a, b)))


def mesh_peers(members, hostvars, me):
    """The peers of member me: one per other member, in the group's order.

    Each is a dict: host, name, remote (address), auth (psk or ca), role (initiator or
    responder), remote_name (the subject its certificate carries, for ca), pair (the PSK
    store's name of the pair).
    """
    members = list(members)
    if me not in members:
        raise AnsibleFilterError("%s is not a member of the mesh" % me)
    all_members = _members(members, hostvars)
    mine = all_members[members.index(me)]
    peers = []
    for i, m in enumerate(all_members):
        if m["host"] == me:
            continue
        both_psk = mine["auth"] == "psk" and m["auth"] == "psk"
        peers.append({
            "host": m["host"],
            "name": m["name"],
            "remote": m["address"],
            "auth": "psk" if both_psk else "ca",
            "role": "initiator" if i < members.index(me) else "responder",
            "remote_name": "CN=" + m["identity"],
            "pair": pair_id(mine["name"], m["name"]),
        })
    return peers


def mesh_member(host, hostvars):
    """One member as the mesh sees it: host, name, address, auth, identity."""
    return _member(hostvars, host)


def mesh_psk_pairs(members, hostvars):
    """Every pair of the mesh that authenticates with a PSK, by pair name."""
    all_members = _members(list(members), hostvars)
    pairs = []
    for i, a in enumerate(all_members):
        for b in all_members[i + 1:]:
            if a["auth"] == "psk" and b["auth"] == "psk":
                pairs.append(pair_id(a["name"], b["name"]))
    return pairs


class FilterModule:
    """ewoe's mesh filters."""

    def filters(self):
        return {
            "mesh_member": mesh_member,
            "mesh_peers": mesh_peers,
            "mesh_psk_pairs": mesh_psk_pairs,
        }
