"""Release downloads that never end, for the installer's size and time limits, and an https
server that downgrades, for its redirect rule.

Usage: hostile_http.py PORT
       hostile_http.py PORT CERT KEY HTTP_PORT   (https, every GET redirected to plain http)

  /endless/...   200 with no length, zeros as fast as the client takes them
  /trickle/...   200 announcing a small file, then one byte a second
  anything else  404

Every answer stops by itself within a minute, so no test waits on it.
"""

import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIMIT = 60
DOWNGRADE_TO = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        if DOWNGRADE_TO:
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{DOWNGRADE_TO}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        kind = self.path.split("/")[1]
        if kind not in ("endless", "trickle"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if kind == "trickle":
            self.send_header("Content-Length", "1000")
        self.end_headers()
        chunk = b"\0" * 65536 if kind == "endless" else b"\0"
        end = time.monotonic() + LIMIT
        try:
            while time.monotonic() < end:
                self.wfile.write(chunk)
                self.wfile.flush()
                if kind == "trickle":
                    time.sleep(1)
        except OSError:
            pass

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 5:
        DOWNGRADE_TO = int(sys.argv[4])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
