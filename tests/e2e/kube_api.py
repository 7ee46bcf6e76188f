"""A Kubernetes API server stand-in for the e2e suite (no kube-apiserver can run here).

HTTPS on loopback with the certificate given. It answers server-side apply of a Secret as the
API server does: `PATCH /api/v1/namespaces/<ns>/secrets/<name>?fieldManager=...` with
`Content-Type: application/apply-patch+yaml` creates the Secret (201, the object back) or
updates it (200). Anything else gets the API server's `Status` body: 401 without the expected
bearer token, 403 in namespace `locked` (RBAC), 415 for another content type, 404 for another
path, 405 for another method. Every request is appended to REQUESTS_LOG as one JSON line
(method, path, content type, whether the bearer token matched, body) for the suite to check.

Usage: kube_api.py PORT CERT KEY TOKEN REQUESTS_LOG   (stdlib only)
"""

import http.server
import json
import re
import ssl
import sys
import threading
import uuid

port = int(sys.argv[1])
cert, key, token, requests_log = sys.argv[2:6]
lock = threading.Lock()
created = set()
SECRET_PATH = re.compile(r"^/api/v1/namespaces/([a-z0-9-]+)/secrets/([a-z0-9.-]+)\?(.*)$")


def status(code, reason, message, details=None):
    return code, {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": details or {}, "code": code,
    }


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        authorized = self.headers.get("Authorization") == f"Bearer {token}"
        with lock, open(requests_log, "a") as f:
            f.write(json.dumps({
                "method": self.command, "path": self.path,
                "content_type": self.headers.get("Content-Type"), "accept": self.headers.get("Accept"),
                "bearer_ok": authorized, "body": body,
            }) + "\n")
        code, answer = self.answer(body, authorized)
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self, body, authorized):
        if not authorized:
            return status(401, "Unauthorized", "Unauthorized")
        found = SECRET_PATH.match(self.path)
        if not found:
            return status(404, "NotFound", "the server could not find the requested resource")
        namespace, name, _query = found.groups()
        if self.command != "PATCH":
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if self.headers.get("Content-Type") != "application/apply-patch+yaml":
            return status(415, "UnsupportedMediaType",
                          f"the body of the request was in an unknown format - accepted media types include: "
                          f"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        if namespace == "locked":
            return status(403, "Forbidden",
                          f'secrets "{name}" is forbidden: User "system:serviceaccount:flux-system:ecr-login-refresher" '
                          f'cannot patch resource "secrets" in API group "" in the namespace "locked"',
                          {"name": name, "kind": "secrets"})
        try:
            secret = json.loads(body)  # the helper sends JSON, which is YAML
        except ValueError:
            return status(400, "BadRequest", "error decoding YAML")
        secret.setdefault("metadata", {}).update({"uid": str(uuid.uuid4()), "resourceVersion": "1"})
        with lock:
            first = (namespace, name) not in created
            created.add((namespace, name))
        return (201 if first else 200), secret

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Api)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
