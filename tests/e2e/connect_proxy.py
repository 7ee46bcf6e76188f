#!/usr/bin/env python3
"""An HTTPS proxy that stands in for DNS: it tunnels CONNECT for one name to a loopback port.

helm 3 speaks plain HTTP to `localhost` and to every loopback address, whatever the registry
serves, so the e2e suite has helm reach the registry by an ECR host's own name through
HTTPS_PROXY. TLS runs end to end between helm and the registry; this only opens the tunnel.
Any other destination, or any other method, is refused with 403 and reported on stderr, so
nothing leaves the machine.

Usage: connect_proxy.py LISTEN_PORT HOST:PORT=LOOPBACK_PORT
"""

import socket
import socketserver
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Tunnel(socketserver.StreamRequestHandler):
    # Unbuffered: bytes after the request's blank line belong to the tunnel, not to a buffer.
    rbufsize = 0

    def handle(self):
        # A client that never finishes its request does not hold a thread for ever.
        self.connection.settimeout(10)
        request = self.rfile.readline(8192).decode("latin-1").split()
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        if not request:
            return  # a connection closed unasked: the suite's wait for the port
        if len(request) != 3 or request[0] != "CONNECT" or request[1] != self.server.name:
            print(f"connect_proxy: refused {' '.join(request)[:200]}", file=sys.stderr, flush=True)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        except OSError as err:
            print(f"connect_proxy: 127.0.0.1:{self.server.port}: {err}", file=sys.stderr, flush=True)
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        upstream.settimeout(None)
        self.connection.settimeout(None)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        back = threading.Thread(target=pipe, args=(upstream, self.connection), daemon=True)
        back.start()
        pipe(self.connection, upstream)
        back.join()
        upstream.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    usage = __doc__.strip().splitlines()[-1]
    if len(sys.argv) != 3 or "=" not in sys.argv[2]:
        sys.exit(usage)
    name, port = sys.argv[2].split("=", 1)
    if not (sys.argv[1].isdigit() and port.isdigit()):
        sys.exit(usage)
    server = Server(("127.0.0.1", int(sys.argv[1])), Tunnel)
    server.name, server.port = name, int(port)
    server.serve_forever()


if __name__ == "__main__":
    main()
