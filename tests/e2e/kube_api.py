"""A Kubernetes API server stand-in for the e2e suite (no kube-apiserver can run here).

HTTPS on loopback with the certificate given. It answers as the API server does:

- server-side apply of a Secret: `PATCH /api/v1/namespaces/<ns>/secrets/<name>?fieldManager=...`
  with `Content-Type: application/apply-patch+yaml` creates the Secret (201, the object back) or
  merges the fields sent into the one there (200): maps merged key by key, anything else
  replaced, every field it does not send kept, as a lone field manager's apply does; a
  `metadata.uid` or `metadata.resourceVersion` sent is a precondition, a 409 Conflict when
  the Secret there differs (or is not there: nothing is created);
- `GET` of a Secret (404 when there is none);
- the namespaces: `GET /api/v1/namespaces`, with `labelSelector` (kubectl's syntax: k=v, k==v,
  k!=v, k in (a,b), k notin (a), k, !k, joined by commas) and `limit`/`continue` pages, each
  namespace with its labels (kubernetes.io/metadata.name among them, as the API sets it) and its
  phase (Active, or Terminating);
- the service accounts of a namespace (each has `default`, as a namespace does): `GET` of one,
  `GET` of the list, and `PATCH` with `Content-Type: application/json-patch+json` (RFC 6902:
  add, remove, replace, test), the patched object back; a failing `test` is a 422 as the API
  answers it.

The cluster (its namespaces, service accounts and Secrets at the start) is CLUSTER_JSON,
read again at each list of namespaces, so that the suite can add a namespace between two runs:
  {"namespaces": {"<ns>": {"labels": {...}, "phase": "Active"}},
   "serviceAccounts": {"<ns>": {"<name>": {"imagePullSecrets": [...]}}},
   "secrets": {"<ns>": {"<name>": <Secret>}}}
Without it: no namespace, and Secrets go anywhere (the apply alone).

Anything else gets the API server's `Status` body: 401 without the expected bearer token, 403
in namespace `locked` (RBAC: authorization comes before any lookup), 404 for a namespace that
is not there (when CLUSTER_JSON is given), 415 for another content type, 404 for another path,
405 for another method. Every request is appended to REQUESTS_LOG as one JSON line (method,
path, content type, accept, whether the bearer token matched, body) for the suite to check.

Usage: kube_api.py PORT CERT KEY TOKEN REQUESTS_LOG [CLUSTER_JSON]   (stdlib only)
"""

import copy
import http.server
import json
import re
import ssl
import sys
import threading
import urllib.parse
import uuid

port = int(sys.argv[1])
cert, key, token, requests_log = sys.argv[2:6]
cluster_file = sys.argv[6] if len(sys.argv) > 6 else None
lock = threading.Lock()
# Objects as the API holds them, by (namespace, name); filled from CLUSTER_JSON at first sight.
secrets = {}
service_accounts = {}
seeded = set()
NAME = r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?"
SECRET_PATH = re.compile(rf"^/api/v1/namespaces/({NAME})/secrets/({NAME})$")
SA_PATH = re.compile(rf"^/api/v1/namespaces/({NAME})/serviceaccounts/({NAME})$")
SA_LIST_PATH = re.compile(rf"^/api/v1/namespaces/({NAME})/serviceaccounts$")
NAMESPACES_PATH = "/api/v1/namespaces"
RESOURCE_VERSION = [1]


def status(code, reason, message, details=None):
    return code, {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": details or {}, "code": code,
    }


def next_version():
    RESOURCE_VERSION[0] += 1
    return str(RESOURCE_VERSION[0])


def read_cluster():
    if cluster_file is None:
        return None
    with open(cluster_file) as f:
        return json.load(f)


def namespaces():
    """The cluster's namespaces, as the API lists them, by name."""
    cluster = read_cluster()
    out = {}
    for name, spec in sorted(((cluster or {}).get("namespaces") or {}).items()):
        labels = dict(spec.get("labels") or {})
        labels["kubernetes.io/metadata.name"] = name
        out[name] = {"metadata": {"name": name, "labels": labels, "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
                                  "resourceVersion": "1"},
                     "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": spec.get("phase", "Active")}}
    return out


def seed(namespace):
    """A namespace's objects from CLUSTER_JSON, and its `default` service account, at first sight."""
    if namespace in seeded:
        return
    seeded.add(namespace)
    cluster = read_cluster() or {}
    accounts = {"default": {}}
    accounts.update(((cluster.get("serviceAccounts") or {}).get(namespace)) or {})
    for name, spec in accounts.items():
        service_accounts[(namespace, name)] = {
            "apiVersion": "v1", "kind": "ServiceAccount",
            **copy.deepcopy(spec),
            "metadata": {**copy.deepcopy(spec.get("metadata") or {}), "name": name, "namespace": namespace,
                         "uid": str(uuid.uuid4()), "resourceVersion": next_version()},
        }
    for name, secret in ((cluster.get("secrets") or {}).get(namespace) or {}).items():
        secret = copy.deepcopy(secret)
        secret.setdefault("metadata", {}).update(
            {"name": name, "namespace": namespace, "uid": str(uuid.uuid4()), "resourceVersion": next_version()})
        secrets[(namespace, name)] = secret


# --- label selectors, as the API parses them ---------------------------------------------------
REQUIREMENT = re.compile(
    r"\s*(?:(?P<not>!)\s*(?P<absent>[^\s,=!()]+)"
    r"|(?P<key>[^\s,=!()]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[^\s,=!()]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^()]*)\))?)\s*(?:,|$)")


def parse_selector(text):
    """[(key, op, values)], or None when it does not parse (the API's 400)."""
    requirements, at = [], 0
    text = text.strip()
    while at < len(text):
        found = REQUIREMENT.match(text, at)
        if not found or found.end() == at:
            return None
        at = found.end()
        if found["absent"]:
            requirements.append((found["absent"], "!", []))
        elif found["op"]:
            requirements.append((found["key"], "!=" if found["op"] == "!=" else "=", [found["value"]]))
        elif found["setop"]:
            requirements.append((found["key"], found["setop"], [v.strip() for v in found["values"].split(",")]))
        else:
            requirements.append((found["key"], "exists", []))
        if at == len(text) and text.endswith(","):
            return None
    return requirements


def matches(requirements, labels):
    for key, op, values in requirements:
        ok = {"=": lambda: labels.get(key) == values[0],
              "!=": lambda: labels.get(key) != values[0],
              "in": lambda: labels.get(key) in values,
              "notin": lambda: labels.get(key) not in values,
              "exists": lambda: key in labels,
              "!": lambda: key not in labels}[op]()
        if not ok:
            return False
    return True


# --- RFC 6902 JSON patch -------------------------------------------------------------------------
class PatchError(Exception):
    pass


def json_patch(document, operations):
    document = copy.deepcopy(document)
    if not isinstance(operations, list):
        raise PatchError("a JSON patch is a list of operations")
    for operation in operations:
        op, path = operation.get("op"), operation.get("path")
        if not isinstance(path, str) or (path and not path.startswith("/")):
            raise PatchError(f"bad path {path!r}")
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        if not tokens:
            raise PatchError("a patch of the whole object")
        parent = document
        for t in tokens[:-1]:
            try:
                parent = parent[int(t)] if isinstance(parent, list) else parent[t]
            except (KeyError, IndexError, ValueError):
                raise PatchError(f"missing path {path}")
        last = tokens[-1]
        if op == "test":
            try:
                here = parent[int(last)] if isinstance(parent, list) else parent[last]
            except (KeyError, IndexError, ValueError):
                raise PatchError(f"testing value {path} failed: missing")
            if here != operation.get("value"):
                raise PatchError(f"testing value {path} failed")
        elif op in ("add", "replace"):
            value = copy.deepcopy(operation.get("value"))
            if isinstance(parent, list):
                if last == "-" and op == "add":
                    parent.append(value)
                else:
                    try:
                        index = int(last)
                    except ValueError:
                        raise PatchError(f"bad index in {path}")
                    if not 0 <= index <= len(parent) - (op == "replace"):
                        raise PatchError(f"index out of range in {path}")
                    if op == "add":
                        parent.insert(index, value)
                    else:
                        parent[index] = value
            elif isinstance(parent, dict):
                if op == "replace" and last not in parent:
                    raise PatchError(f"replace of missing {path}")
                parent[last] = value
            else:
                raise PatchError(f"missing path {path}")
        elif op == "remove":
            try:
                del parent[int(last) if isinstance(parent, list) else last]
            except (KeyError, IndexError, ValueError):
                raise PatchError(f"remove of missing {path}")
        else:
            raise PatchError(f"unsupported operation {op!r}")
    return document


def merge(into, applied):
    """An apply's fields over the object's: maps key by key, anything else replaced."""
    for k, v in applied.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


# --- the server ----------------------------------------------------------------------------------
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
        with lock:
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
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == NAMESPACES_PATH:
            return self.list_namespaces(query)
        for pattern, handler in ((SECRET_PATH, self.secret), (SA_PATH, self.service_account),
                                 (SA_LIST_PATH, self.service_accounts)):
            found = pattern.match(url.path)
            if found:
                namespace, name = found.group(1), (found.groups()[1:] or [""])[0]
                if namespace == "locked":
                    resource = "secrets" if handler == self.secret else "serviceaccounts"
                    verb = "list" if handler == self.service_accounts else self.command.lower()
                    return status(403, "Forbidden",
                                  f'{resource} "{name}" is forbidden: User '
                                  f'"system:serviceaccount:flux-system:ecr-login-refresher" cannot {verb} resource '
                                  f'"{resource}" in API group "" in the namespace "locked"',
                                  {"name": name, "kind": resource})
                if cluster_file is not None:
                    if namespace not in namespaces():
                        return status(404, "NotFound", f'namespaces "{namespace}" not found',
                                      {"name": namespace, "kind": "namespaces"})
                    seed(namespace)
                return handler(body, *found.groups())
        return status(404, "NotFound", "the server could not find the requested resource")

    def list_namespaces(self, query):
        if self.command != "GET":
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        items = list(namespaces().values())
        selector = (query.get("labelSelector") or [""])[0]
        if selector:
            requirements = parse_selector(selector)
            if requirements is None:
                return status(400, "BadRequest", f"unable to parse requirement: {selector!r}")
            items = [n for n in items if matches(requirements, n["metadata"]["labels"])]
        start = int((query.get("continue") or ["0"])[0] or 0)
        limit = int((query.get("limit") or ["0"])[0] or 0)
        page = items[start:start + limit] if limit else items[start:]
        metadata = {"resourceVersion": "1"}
        if limit and start + limit < len(items):
            metadata["continue"] = str(start + limit)
        return 200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": metadata, "items": page}

    def secret(self, body, namespace, name):
        if self.command == "GET":
            if (namespace, name) not in secrets:
                return status(404, "NotFound", f'secrets "{name}" not found', {"name": name, "kind": "secrets"})
            return 200, secrets[(namespace, name)]
        if self.command != "PATCH":
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if self.headers.get("Content-Type") != "application/apply-patch+yaml":
            return status(415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media types include: "
                          "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        try:
            applied = json.loads(body)  # the helper sends JSON, which is YAML
        except ValueError:
            return status(400, "BadRequest", "error decoding YAML")
        if not isinstance(applied, dict):
            return status(400, "BadRequest", "error decoding YAML")
        existing = secrets.get((namespace, name))
        sent = applied.get("metadata") or {}
        for field in ("uid", "resourceVersion"):
            if field in sent and (existing is None or existing["metadata"].get(field) != sent[field]):
                return status(409, "Conflict",
                              f'Operation cannot be fulfilled on secrets "{name}": the object has been modified; '
                              f"please apply your changes to the latest version and try again",
                              {"name": name, "kind": "secrets"})
        if existing is None:
            secret = copy.deepcopy(applied)
            secret.setdefault("metadata", {}).update({"uid": str(uuid.uuid4()), "resourceVersion": next_version()})
            secrets[(namespace, name)] = secret
            return 201, secret
        merge(existing, applied)
        existing["metadata"]["resourceVersion"] = next_version()
        return 200, existing

    def service_account(self, body, namespace, name):
        account = service_accounts.get((namespace, name))
        if account is None:
            return status(404, "NotFound", f'serviceaccounts "{name}" not found',
                          {"name": name, "kind": "serviceaccounts"})
        if self.command == "GET":
            return 200, account
        if self.command != "PATCH":
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if self.headers.get("Content-Type") != "application/json-patch+json":
            return status(415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media types include: "
                          "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        try:
            patched = json_patch(account, json.loads(body))
        except ValueError:
            return status(400, "BadRequest", "error decoding the JSON patch")
        except PatchError as e:
            return status(422, "Invalid", f"the server rejected our request due to an error in our request: {e}")
        patched["metadata"]["resourceVersion"] = next_version()
        service_accounts[(namespace, name)] = patched
        return 200, patched

    def service_accounts(self, body, namespace):
        if self.command != "GET":
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        items = [a for (ns, _), a in sorted(service_accounts.items()) if ns == namespace]
        return 200, {"kind": "ServiceAccountList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                     "items": items}

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Api)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
