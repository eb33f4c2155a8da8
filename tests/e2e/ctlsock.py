#!/usr/bin/env python3
"""Sends malformed, oversized and out-of-place messages to bunri-dataplane's control
socket (and to bunri-controld's) and checks each gets an error reply, is counted, and
leaves the running policy alone. Usage: ctlsock.py DATAPLANE_SOCKET CONTROLD_SOCKET

With --operator (run as a user other than root and bunri): the controller's own
requests, a policy chunk and a subscription, are refused with EPERM, and status still
answers. Usage: ctlsock.py --operator DATAPLANE_SOCKET"""
import errno
import json
import socket
import struct
import sys

HDR = struct.Struct("<IHHII")
MAGIC = 0x49524E42
ERROR, OK, CHUNK, STATUS, RULES, FLOWS, SUBSCRIBE, RECORDS, GAP, RELOAD, PART, NEIGHBORS, \
    ACK = range(1, 14)
failures = 0


def msg(mtype, seq=7, payload=b"", version=2, magic=MAGIC, length=None):
    n = len(payload) if length is None else length
    return HDR.pack(magic, version, mtype, seq, n) + payload


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def reply(s):
    data = b""
    while True:
        m = s.recv(1 << 17)
        magic, version, mtype, seq, n = HDR.unpack_from(m)
        assert magic == MAGIC and version == 2 and n == len(m) - HDR.size, "bad reply header"
        if mtype == PART:
            data += m[HDR.size:]
            continue
        return mtype, seq, data + m[HDR.size:]


def check(desc, cond, detail=""):
    global failures
    if cond:
        print(f"ok    {desc}")
    else:
        failures += 1
        print(f"FAIL  {desc} {detail}")


def expect_error(path, desc, data, code=None):
    s = connect(path)
    s.send(data)
    mtype, _, payload = reply(s)
    got = struct.unpack_from("<i", payload)[0] if mtype == ERROR and len(payload) >= 4 else None
    text = payload[4:].decode(errors="replace")
    check(f"{desc}: error reply" + (f" ({text})" if mtype == ERROR else ""),
          mtype == ERROR and (code is None or got == code), f"type {mtype} code {got}")
    # The connection still answers afterwards.
    s.send(msg(STATUS, seq=8))
    mtype, seq, _ = reply(s)
    check(f"{desc}: the same connection still works", mtype == OK and seq == 8)
    s.close()


def query(path, mtype, payload=b""):
    s = connect(path)
    s.send(msg(mtype, payload=payload))
    t, _, data = reply(s)
    s.close()
    assert t == OK, f"query {mtype} failed: {data!r}"
    return json.loads(data)


def chunk(total, offset, data):
    return struct.pack("<II", total, offset) + data


def operator(dp):
    """An operator in group bunri who is not the controller."""
    before = query(dp, STATUS)
    expect_error(dp, "operator: subscribe", msg(SUBSCRIBE), errno.EPERM)
    expect_error(dp, "operator: a policy chunk", msg(CHUNK, payload=chunk(64, 0, b"y" * 64)),
                 errno.EPERM)
    s = connect(dp)
    s.send(msg(CHUNK, payload=chunk(64, 0, b"y" * 64)))
    _, _, payload = reply(s)
    text = payload[4:].decode(errors="replace")
    check("operator: the refusal says who may", "only bunri-controld" in text, text)
    s.close()
    after = query(dp, STATUS)
    check("operator: status answers", "policy" in after)
    check("operator: the controller keeps the record stream",
          after["records"]["controller"] is True, str(after["records"]))
    check("operator: the running policy is unchanged",
          after["policy"]["digest"] == before["policy"]["digest"] and
          after["policy"]["generation"] == before["policy"]["generation"])
    check("operator: the refusals are counted",
          after["bad_messages"] - before["bad_messages"] >= 3,
          f'{after["bad_messages"] - before["bad_messages"]}')
    return 1 if failures else 0


def main():
    if sys.argv[1] == "--operator":
        return operator(sys.argv[2])
    dp, cd = sys.argv[1], sys.argv[2]
    before = query(dp, STATUS)
    digest = before["policy"]["digest"]
    bad0 = before["bad_messages"]

    expect_error(dp, "a 5-byte message", b"\x42\x4e\x52\x49\x01", errno.EBADMSG)
    expect_error(dp, "bad magic", msg(STATUS, magic=0xDEADBEEF), errno.EBADMSG)
    expect_error(dp, "protocol version 1", msg(STATUS, version=1), errno.EPROTO)
    expect_error(dp, "protocol version 3", msg(STATUS, version=3), errno.EPROTO)
    expect_error(dp, "length field says more than was sent", msg(STATUS, length=100),
                 errno.EBADMSG)
    expect_error(dp, "unknown type 99", msg(99), errno.EBADMSG)
    expect_error(dp, "a 100 KiB message", msg(STATUS, payload=b"x" * 100000), errno.EMSGSIZE)
    expect_error(dp, "flows query of the wrong size", msg(FLOWS, payload=b"\0" * 7),
                 errno.EBADMSG)
    expect_error(dp, "flows query with limit 0", msg(FLOWS, payload=b"\0" * 77), errno.EBADMSG)
    expect_error(dp, "flows query with zone 9", msg(FLOWS, payload=b"\x09" + b"\0" * 76),
                 errno.EBADMSG)
    expect_error(dp, "policy chunk that starts at offset 100",
                 msg(CHUNK, payload=chunk(1000, 100, b"y" * 10)), errno.EBADMSG)
    expect_error(dp, "policy chunk past its total",
                 msg(CHUNK, payload=chunk(10, 0, b"y" * 20)), errno.EBADMSG)
    expect_error(dp, "policy of 1 GiB announced",
                 msg(CHUNK, payload=chunk(1 << 30, 0, b"y" * 20)), errno.EBADMSG)
    expect_error(dp, "policy chunk without data", msg(CHUNK, payload=b"\0" * 3), errno.EBADMSG)
    expect_error(dp, "a complete policy that is garbage",
                 msg(CHUNK, payload=chunk(64, 0, b"BUNRIPOL" + b"z" * 56)))
    expect_error(dp, "records sent to the dataplane",
                 msg(RECORDS, payload=b"\0\0\0\0"), errno.EBADMSG)
    expect_error(dp, "reload sent to the dataplane", msg(RELOAD), errno.EBADMSG)
    expect_error(dp, "an acknowledgement from a client that takes no records",
                 msg(ACK, payload=struct.pack("<QQ", 1, 1)), errno.EBADMSG)
    expect_error(dp, "a neighbours query with a payload", msg(NEIGHBORS, payload=b"x"),
                 errno.EBADMSG)

    after = query(dp, STATUS)
    check("bad messages are counted", after["bad_messages"] - bad0 >= 16,
          f'{after["bad_messages"] - bad0}')
    check("the running policy is unchanged", after["policy"]["digest"] == digest)
    check("no policy was refused into place",
          after["policy"]["generation"] == before["policy"]["generation"])

    # The controller's socket takes reload and status, nothing else.
    st = query(cd, STATUS)
    check("controld: status answers with its flow log and dataplane link",
          st["dataplane"]["connected"] is True and st["flow_log"]["seq"] >= 1, str(st))
    s = connect(cd)
    s.send(msg(RULES))
    t, _, _ = reply(s)
    check("controld: a rules request gets an error reply", t == ERROR)
    s.send(msg(STATUS, payload=b"x"))
    t, _, _ = reply(s)
    check("controld: a status request with a payload gets an error reply", t == ERROR)
    s.send(b"garbage")
    t, _, _ = reply(s)
    check("controld: garbage gets an error reply", t == ERROR)
    s.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
