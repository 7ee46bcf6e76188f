"""A stand-in for the ECR API's GetAuthorizationToken, for the GitHub Action's test.

Usage: mock_ecr.py PORT

The password is "pw-<region>-token", the region read from the request's SigV4 credential scope,
so a test can tell which registry's password landed in which output. The region eu-north-1
answers AccessDeniedException, as an identity without ecr:GetAuthorizationToken gets.
"""

import base64
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DENIED_REGION = "eu-north-1"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/ecr/", self.headers.get("Authorization", ""))
        region = scope.group(1) if scope else "unknown"
        if not target.endswith(".GetAuthorizationToken"):
            self.reply(400, {"__type": "UnknownOperationException", "message": target})
        elif region == DENIED_REGION:
            self.reply(400, {
                "__type": "AccessDeniedException",
                "message": "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
                "ecr:GetAuthorizationToken",
            })
        else:
            token = base64.b64encode(f"AWS:pw-{region}-token".encode()).decode()
            self.reply(200, {"authorizationData": [{
                "authorizationToken": token,
                "expiresAt": time.time() + 12 * 3600,
                "proxyEndpoint": f"https://123456789012.dkr.ecr.{region}.amazonaws.com",
            }]})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        if status != 200:
            self.send_header("x-amzn-ErrorType", body["__type"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
