#!/usr/bin/env python3
"""Inputs of tests/bench/dataplane.sh, written into DIR:
  appliance.cfg   mynumber on net_pcap0, lgwan on net_null0, static neighbours
  policy.cfg      1,000 flows x 10 UDP ports = 10,000 rules (mynumber -> lgwan)
  policy-half.cfg the first 500 of those flows
  est.pcap        64 UDP connections, one 64-byte frame each (replayed: established)
  new.pcap        N distinct UDP connections, one 64-byte frame each
Frames are written with struct (no scapy: a million frames take seconds).
usage: gen_dataplane.py DIR N_NEW"""
import datetime
import os
import struct
import sys

PORT_MAC = bytes.fromhex("02b000000001")   # mynumber's port, as appliance.cfg says
HOST_MAC = bytes.fromhex("525400100001")
DST = (10 << 24) | (20 << 16) | 10           # lgwan 10.20.0.10
FLOWS = 1000
PORTS_PER_FLOW = 10
BASE_PORT = 5000


def flow_src(i, host):
    """Source address `host` (0..61) inside flow i's /26 in 10.10.0.0/16."""
    return (10 << 24) | (10 << 16) | ((i >> 2) << 8) | ((i & 3) * 64 + 2 + host)


def ip(a):
    return ".".join(str((a >> s) & 255) for s in (24, 16, 8, 0))


def csum(b):
    s = sum(struct.unpack("!10H", b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0x4000, 64, 17, 0,
                      struct.pack("!I", src), struct.pack("!I", dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    udp = struct.pack("!HHHH", sport, dport, 26, 0) + bytes(18)
    return PORT_MAC + HOST_MAC + b"\x08\x00" + hdr + udp   # 60 bytes + FCS = 64


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1775000000 + n // 1000000, n % 1000000,
                                len(fr), len(fr)))
            f.write(fr)


def write_policy(path, flows, today):
    with open(path, "w") as f:
        f.write('hosts = { lgwan-server = { address = "10.20.0.10"; }; };\nservices = { };\nflows = (\n')
        for i in range(flows):
            net = flow_src(i, 0) - 2
            ports = ", ".join(f'"udp/{BASE_PORT + i * PORTS_PER_FLOW + k}"'
                              for k in range(PORTS_PER_FLOW))
            f.write(f'  {{ id = "B{i:04d}"; purpose = "bench"; from = "mynumber:{ip(net)}/26"; '
                    f'to = "lgwan:lgwan-server"; services = [{ports}]; approved_by = "bench"; '
                    f'valid_until = "{today.replace(year=today.year + 1)}"; log = false; }}'
                    f'{"," if i + 1 < flows else ""}\n')
        f.write(");\n")


def main():
    out, n_new = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    today = datetime.date.today()
    with open(os.path.join(out, "appliance.cfg"), "w") as f:
        f.write(f"""appliance = {{ name = "bench"; }};
zones = {{
  mynumber = {{ port = "net_pcap0"; mac = "02:b0:00:00:00:01"; address = "10.10.0.1/24";
               networks = ["10.10.0.0/16"]; routes = ( {{ to = "10.10.0.0/16"; via = "10.10.0.254"; }} );
               neighbors = ( {{ ip = "10.10.0.254"; mac = "52:54:00:00:10:fe"; }} ); }};
  lgwan = {{ port = "net_null0"; mac = "02:b0:00:00:00:02"; address = "10.20.0.1/24";
            networks = ["10.20.0.0/16"];
            neighbors = ( {{ ip = "10.20.0.10"; mac = "52:54:00:20:00:0a"; }} ); }};
}};
timeouts = {{ udp = 3600; }};
control = {{ socket = "{out}/run/control.sock"; }};
logging = {{ dir = "{out}/log"; key = "{out}/keys/flowlog.key"; buffer_records = 1048576; }};
""")
    # policy-half.cfg keeps the first half of the flows: a reload to it revokes half of
    # (b)'s connections.
    for name, flows in (("policy.cfg", FLOWS), ("policy-half.cfg", FLOWS // 2)):
        write_policy(os.path.join(out, name), flows, today)
    # Established: 64 connections spread over the rules, the last flows included.
    est = [frame(flow_src(i * 15, 1), DST, 40000 + i, BASE_PORT + i * 15 * PORTS_PER_FLOW + 3)
           for i in range(64)]
    write_pcap(os.path.join(out, "est.pcap"), est)
    # New: distinct (source, sport) pairs, each matching its source's flow.
    def new_frames():
        for n in range(n_new):
            i = n % FLOWS
            host = (n // FLOWS) % 60
            sport = 1024 + n // (FLOWS * 60)
            yield frame(flow_src(i, host), DST, sport,
                        BASE_PORT + i * PORTS_PER_FLOW + n % PORTS_PER_FLOW)
    write_pcap(os.path.join(out, "new.pcap"), new_frames())


if __name__ == "__main__":
    main()
