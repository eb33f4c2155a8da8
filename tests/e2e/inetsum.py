"""The Internet checksum (RFC 1071) for the e2e tests' raw-socket senders."""
import struct


def checksum(data):
    """The one's complement of the one's complement sum of data's 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
