"""The ECR API for the e2e suite's daemon and container sections: moto behind HTTPS.

Forwards every request to moto and returns its answer, except that:
  - GetAuthorizationToken answers carry a real expiry (now + 12 hours): moto dates every
    token 2015-01-01, and the helper caches no token that arrives expired, so through moto
    alone no two clients could share one;
  - a request signed with the access key given as DENIED_KEY is refused as IAM refuses it
    (HTTP 400, AccessDeniedException), before moto sees it;
  - each GetAuthorizationToken is logged as one line, `GetAuthorizationToken <key> <status>`,
    to CALLS_LOG: the count of calls that reached the API.
It serves TLS with the certificate given, so a client must trust the suite's CA.

Usage: ecr_front.py PORT MOTO_PORT CERT KEY DENIED_KEY CALLS_LOG   (stdlib only)
"""

import http.client
import http.server
import json
import re
import ssl
import sys
import threading
import time

port, moto_port = int(sys.argv[1]), int(sys.argv[2])
cert, key, denied_key, calls_log = sys.argv[3:7]
TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
log_lock = threading.Lock()


def log_call(key_id, status):
    with log_lock, open(calls_log, "a") as f:
        f.write(f"GetAuthorizationToken {key_id} {status}\n")


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        signed = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
        key_id = signed.group(1) if signed else "-"
        if target == TARGET and key_id == denied_key:
            log_call(key_id, 400)
            message = (
                "User: arn:aws:iam::123456789012:user/e2e-denied is not authorized to perform: "
                "ecr:GetAuthorizationToken on resource: * because no identity-based policy "
                "allows the ecr:GetAuthorizationToken action"
            )
            answer = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
            self.reply(400, [("Content-Type", "application/x-amz-json-1.1"),
                             ("x-amzn-ErrorType", "AccessDeniedException")], answer)
            return
        moto = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        moto.request(self.command, self.path, body=body, headers=headers)
        response = moto.getresponse()
        answer = response.read()
        status = response.status
        if target == TARGET:
            log_call(key_id, status)
            if status == 200:
                data = json.loads(answer)
                for item in data.get("authorizationData", []):
                    item["expiresAt"] = time.time() + 12 * 3600
                answer = json.dumps(data).encode()
        self.reply(status, response.getheaders(), answer)
        moto.close()

    do_POST = forward
    do_GET = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Front)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
