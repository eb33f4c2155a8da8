#!/usr/bin/python3
"""A long-lived TCP connection across the appliance, and RSTs forged into it, for
tests/e2e/forgery.sh (Debian's python3-scapy).

  tcpforge.py server ADDR PORT
      echoes every line back, one thread per connection
  tcpforge.py client ADDR PORT DIR
      connects, writes DIR/port; for N = 1, 2, ...: waits for DIR/go.N, sends a line,
      writes the echo (or "timeout") to DIR/got.N; on DIR/close closes by FIN, writes
      DIR/closed
  tcpforge.py rst PCAP SRC SPORT DST DPORT OFFSET [badsum]
      sends a RST from SRC:SPORT to DST:DPORT whose sequence number is OFFSET past
      where SRC's last segment in PCAP ended (0: exactly what DST expects next), with a
      wrong TCP checksum when `badsum` is given; prints the sequence number
  tcpforge.py frag SRC DST DPORT
      sends a SYN from SRC to DST:DPORT as three IPv4 fragments
"""
import os
import socket
import sys
import threading
import time


def server(addr, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)

    def echo(c):
        f = c.makefile("rb")
        for line in f:
            c.sendall(line)
        c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()




def client(addr, port, d):
    s = socket.create_connection((addr, port), timeout=5)
    with open(os.path.join(d, "port"), "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    f = s.makefile("rb")
    n = 1
    while True:
        go, close = os.path.join(d, "go.%d" % n), os.path.join(d, "close")
        while not os.path.exists(go) and not os.path.exists(close):
            time.sleep(0.05)
        if os.path.exists(close):
            break
        try:
            s.sendall(b"line %d\n" % n)
            got = f.readline().decode().strip() or "eof"
        except OSError as e:
            got = "error: %s" % e
        with open(os.path.join(d, "got.%d" % n), "w") as out:
            out.write(got + "\n")
        n += 1
    s.shutdown(socket.SHUT_WR)
    try:
        while f.read(1):
            pass
    except OSError:
        pass
    s.close()
    open(os.path.join(d, "closed"), "w").close()


def rst(pcap, src, sport, dst, dport, offset, badsum):
    from scapy.all import IP, TCP, rdpcap, send
    end = None
    for p in rdpcap(pcap):
        if IP in p and TCP in p and p[IP].src == src and p[TCP].sport == sport and \
                p[IP].dst == dst and p[TCP].dport == dport:
            t = p[TCP]
            end = (t.seq + len(t.payload) + (1 if t.flags & 0x03 else 0)) & 0xffffffff
    if end is None:
        sys.exit("no segment from %s:%d in %s" % (src, sport, pcap))
    seq = (end + offset) & 0xffffffff
    tcp = TCP(sport=sport, dport=dport, flags="R", seq=seq, window=0)
    if badsum:
        tcp.chksum = 0xdead
    send(IP(src=src, dst=dst) / tcp, verbose=False)
    print(seq)


def frag(src, dst, dport):
    from scapy.all import IP, TCP, fragment, send
    syn = IP(src=src, dst=dst, id=4242) / TCP(sport=45678, dport=dport, flags="S",
                                             seq=1000, options=[("MSS", 1460)])
    for f in fragment(syn, fragsize=8):
        send(f, verbose=False)


def main():
    a = sys.argv[1:]
    if a[0] == "server":
        server(a[1], int(a[2]))
    elif a[0] == "client":
        client(a[1], int(a[2]), a[3])
    elif a[0] == "rst":
        rst(a[1], a[2], int(a[3]), a[4], int(a[5]), int(a[6]), len(a) > 7 and a[7] == "badsum")
    elif a[0] == "frag":
        frag(a[1], a[2], int(a[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
