#!/usr/bin/env python3
"""Connection churn for the record-accounting tests: short TCP connections to DST:PORT,
each from its own source port (FIRST, FIRST+1, ...), about RATE a second, until the file
STOP exists or COUNT connections were tried. Nothing listens there, so each connection
the appliance forwards ends at once with the server's RST (the appliance then emits its
record). Prints one line per try: "sport outcome unix_ms", outcome "refused" (forwarded
both ways), "timeout" or another errno name.

  churn.py DST PORT FIRST COUNT RATE STOP"""
import errno
import os
import socket
import sys
import time


def main():
    dst, port, first, count, rate, stop = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    start = time.monotonic()
    out = sys.stdout
    for i in range(count):
        if i % 50 == 0 and os.path.exists(stop):
            break
        # paced: the i-th try starts no earlier than i / rate seconds in
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(0.3)
        sport = first + i
        try:
            s.bind(("0.0.0.0", sport))
            s.connect((dst, port))
            outcome = "connected"
        except ConnectionRefusedError:
            outcome = "refused"
        except socket.timeout:
            outcome = "timeout"
        except OSError as e:
            outcome = errno.errorcode.get(e.errno, str(e.errno))
        finally:
            s.close()
        out.write(f"{sport} {outcome} {int(time.time() * 1000)}\n")
    out.flush()


if __name__ == "__main__":
    main()
