#!/usr/bin/env python3
"""Put plaintext VXLAN frames on a wire, as anyone on the underlay could (lab only).

usage: inject-vxlan.py IFNAME SRC_MAC DST_MAC SRC_IP DST_IP VNI COUNT

Each frame is Ethernet/IPv4/UDP to port 4789/VXLAN around an inner broadcast Ethernet frame
with an IPv4 UDP datagram to port 9, sent through an AF_PACKET socket: below the sender's IP
stack and its xfrm policies, as a frame from another machine would arrive.
"""
import socket
import struct
import sys


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def main():
    ifname, src_mac, dst_mac, src_ip, dst_ip, vni, count = sys.argv[1:8]
    inner_ip = ipv4("198.51.100.99", "198.51.100.255", udp(40000, 9, b"ewoe-injected"))
    inner = b"\xff" * 6 + mac("02:00:00:00:00:99") + b"\x08\x00" + inner_ip
    vxlan = struct.pack("!II", 0x08000000, int(vni) << 8) + inner
    frame = mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ipv4(src_ip, dst_ip, udp(54321, 4789, vxlan))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, 0))
        for _ in range(int(count)):
            s.send(frame)
    return 0


if __name__ == "__main__":
    sys.exit(main())
