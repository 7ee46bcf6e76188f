#!/usr/bin/env python3
"""Side-by-side benchmark: this helper against Amazon's Go helper, on one local ECR endpoint.

Both helpers reach the same TLS endpoint the way the Go helper can: /etc/hosts points
api.ecr.<region>.amazonaws.com at 127.0.0.1:443, served by a local mock of
GetAuthorizationToken with real (12 h) expiries and a certificate from a throwaway CA
(AWS_CA_BUNDLE for both). /etc/hosts is restored on exit. Needs root (port 443, /etc/hosts),
Debian's amazon-ecr-credential-helper, openssl, GNU time, and a release build of this helper.

Runs are interleaved (ours, Go, /bin/true, ours, Go, /bin/true, ...) so all see the same
machine load; the table gives medians and the median of the per-round ratios. With --also,
another build of ours (say `--also glibc=target/release/docker-credential-ecr-login`, the
dynamically linked one `cargo build --release` makes) joins the rounds of the start-up bound
scenarios. This is a measurement, not a test: it prints figures and never fails on them.

Usage: tests/bench/bench.py [--runs N] [--ours PATH] [--label NAME] [--also NAME=PATH]... [--go PATH]
"""

import argparse
import base64
import json
import os
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
API_HOST = f"api.ecr.{REGION}.amazonaws.com"
HOSTS_LINE = f"127.0.0.1 {API_HOST} # ecr-login bench\n"


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0

    def bump(self):
        with self.lock:
            self.count += 1


def start_api(cert, key, counter, delay=0.0):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per response and no Nagle: otherwise a 40 ms delayed-ACK stall lands on
        # every request, for both helpers, and drowns what is being measured.
        disable_nagle_algorithm = True

        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            self.rfile.read(length)
            counter.bump()
            if delay:
                time.sleep(delay)
            token = base64.b64encode(b"AWS:bench-password").decode()
            body = json.dumps(
                {
                    "authorizationData": [
                        {
                            "authorizationToken": token,
                            "expiresAt": time.time() + 12 * 3600,
                            "proxyEndpoint": f"https://{REGISTRY}",
                        }
                    ]
                }
            ).encode()
            head = (
                "HTTP/1.1 200 OK\r\n"
                "content-type: application/x-amz-json-1.1\r\n"
                f"content-length: {len(body)}\r\n\r\n"
            ).encode()
            self.wfile.write(head + body)
            self.wfile.flush()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 443), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def silent_listener():
    """Accepts connections and never answers: a hung metadata service."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held = []

    def run():
        while True:
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                return

    threading.Thread(target=run, daemon=True).start()
    return sock


def make_certs(work):
    def run(*args):
        subprocess.run(args, check=True, capture_output=True)

    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", f"{work}/ca.key", "-out", f"{work}/ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={API_HOST}",
        "-keyout", f"{work}/leaf.key", "-out", f"{work}/leaf.csr")
    with open(f"{work}/leaf.ext", "w") as f:
        f.write(f"subjectAltName=DNS:{API_HOST}\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", f"{work}/leaf.csr", "-CA", f"{work}/ca.pem",
        "-CAkey", f"{work}/ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", f"{work}/leaf.ext", "-out", f"{work}/leaf.pem")
    return f"{work}/ca.pem", f"{work}/leaf.pem", f"{work}/leaf.key"


def timed(cmd, env, stdin=REGISTRY):
    """Runs one process; returns (seconds, exit code, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    out, _ = proc.communicate(stdin.encode())
    elapsed = time.perf_counter() - start
    return elapsed, proc.returncode, out


def peak_rss(cmd, env):
    """Peak RSS (KiB) and minor page faults of one run, measured by GNU time: a child forked
    from this Python process would count Python's own pages in its high-water mark."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %R", *cmd], env=env, input=REGISTRY.encode(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    rss, faults = proc.stderr.decode().strip().splitlines()[-1].split()
    return int(rss), int(faults)


def children_cpu():
    """User and system seconds of every child waited for so far (the mock runs in threads of
    this process, so it is not counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rounds(runs, cmds, envs, warm=True, cpu=None):
    """Interleaved runs of each command, one of each per round; returns a list of times per
    command, index-aligned by round so ratios can be taken per round. Given a list, fills it
    with the CPU times of the same runs, alike."""
    if warm:
        for _ in range(3):
            for cmd, env in zip(cmds, envs):
                timed(cmd, env)
    times = [[] for _ in cmds]
    if cpu is not None:
        cpu.extend([] for _ in cmds)
    for _ in range(runs):
        for i, (cmd, env) in enumerate(zip(cmds, envs)):
            before = children_cpu()
            elapsed, code, _ = timed(cmd, env)
            if code != 0:
                raise SystemExit(f"a run failed: {cmd} -> {code}")
            times[i].append(elapsed)
            if cpu is not None:
                cpu[i].append(children_cpu() - before)
    return times


def ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def ms(values):
    return f"{statistics.median(values) * 1000:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--ours", default="target/x86_64-unknown-linux-musl/release/docker-credential-ecr-login",
                        help="the binary measured in every row (default: the static musl release build)")
    parser.add_argument("--label", default="static musl", help="what --ours is, for the table")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                        help="another build of ours, measured alongside in the start-up rows")
    parser.add_argument("--go", default="/usr/bin/docker-credential-ecr-login")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the Go helper reaches a local endpoint only via /etc/hosts and port 443")
    ours = os.path.abspath(args.ours)
    also = []
    for item in args.also:
        label, sep, path = item.partition("=")
        if not sep:
            raise SystemExit(f"--also {item}: expected NAME=PATH")
        also.append((label, os.path.abspath(path)))
    for path in [ours, args.go, "/usr/bin/time"] + [p for _, p in also]:
        if not os.access(path, os.X_OK):
            raise SystemExit(f"missing {path} (scripts/dist.sh x86_64-unknown-linux-musl; apt-get install amazon-ecr-credential-helper time)")

    work = tempfile.mkdtemp(prefix="ecr-bench-")
    with open("/etc/hosts") as f:
        original_hosts = f.read()
    try:
        with open("/etc/hosts", "a") as f:
            f.write(HOSTS_LINE)
        run_all(args, ours, also, work)
    finally:
        with open("/etc/hosts", "w") as f:
            f.write(original_hosts)
        shutil.rmtree(work, ignore_errors=True)


def run_all(args, ours, also, work):
    ca, cert, key = make_certs(work)
    counter = Counter()
    api = start_api(cert, key, counter)

    def env_for(name, **extra):
        home = f"{work}/home-{name}"
        os.makedirs(home, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "AWS_ACCESS_KEY_ID": "AKIDBENCHBENCHBENCH0",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_CA_BUNDLE": ca,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ECR_CACHE_DIR": f"{home}/cache",
        }
        env.update(extra)
        return env

    # (scenario, binary, ours, Go, /bin/true, ours/Go, ours/true, target)
    rows = []
    true = ["/bin/true"]
    builds = [(args.label, ours)] + also

    # Warm get, static keys: every build, Go and /bin/true in the same rounds.
    envs = [env_for(f"ours-{i}") for i in range(len(builds))]
    e_go = env_for("go")
    cmds = [[path, "get"] for _, path in builds] + [[args.go, "get"], true]
    times = rounds(args.runs, cmds, envs + [e_go, e_go])
    t_go, t_true = times[-2], times[-1]
    for (label, _), t in zip(builds, times):
        rows.append(("warm get (cache hit), static keys", label, ms(t), ms(t_go), ms(t_true),
                     ratio(t, t_go), ratio(t, t_true), "<= 0.4 Go, <= 1.3 true"))

    # Warm get, a credential_process that takes 100 ms.
    script = f"{work}/slow-credentials.sh"
    with open(script, "w") as f:
        f.write('#!/bin/sh\nsleep 0.1\necho \'{"Version":1,"AccessKeyId":"AKIDSLOWSLOWSLOWSLO0","SecretAccessKey":"s"}\'\n')
    os.chmod(script, 0o755)
    config = f"{work}/aws-config"
    with open(config, "w") as f:
        f.write(f"[profile slow]\ncredential_process = {script}\n")
    slow = dict(AWS_PROFILE="slow", AWS_CONFIG_FILE=config, AWS_SDK_LOAD_CONFIG="1")
    e_ours = env_for("ours-slow", **slow)
    e_go = env_for("go-slow", **slow)
    for env in (e_ours, e_go):
        env.pop("AWS_ACCESS_KEY_ID")
        env.pop("AWS_SECRET_ACCESS_KEY")
    t_ours, t_go = rounds(max(20, args.runs // 5), [[ours, "get"], [args.go, "get"]], [e_ours, e_go])
    rows.append(("warm get, 100 ms credential_process", args.label, ms(t_ours), ms(t_go), "",
                 ratio(t_ours, t_go), None, "<= 0.05 Go"))

    # Cold get over TLS, caches off.
    envs = [env_for(f"ours-cold-{i}", AWS_ECR_DISABLE_CACHE="1") for i in range(len(builds))]
    e_go = env_for("go-cold", AWS_ECR_DISABLE_CACHE="1")
    cmds = [[path, "get"] for _, path in builds] + [[args.go, "get"]]
    cpu = []
    times = rounds(max(20, args.runs // 4), cmds, envs + [e_go], cpu=cpu)
    for (label, _), t in zip(builds, times):
        rows.append(("cold get over TLS (caches off)", label, ms(t), ms(times[-1]), "",
                     ratio(t, times[-1]), None, "<= 0.75 Go"))
    for (label, _), c in zip(builds, cpu):
        rows.append(("CPU time (user + system) of that cold get", label, ms(c), ms(cpu[-1]), "",
                     ratio(c, cpu[-1]), None, ""))

    # 32 concurrent cold gets against a slow API: how many API calls?
    api.shutdown()
    api.server_close()
    calls = {}
    for name, helper in (("ours", ours), ("go", args.go)):
        counter = Counter()
        api = start_api(cert, key, counter, delay=0.2)
        env = env_for(f"{name}-storm")
        procs = [subprocess.Popen([helper, "get"], env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                 for _ in range(32)]
        for proc in procs:
            proc.stdin.write(REGISTRY.encode())
            proc.stdin.close()
        ok = sum(1 for proc in procs if proc.wait() == 0)
        calls[name] = (counter.count, ok)
        api.shutdown()
        api.server_close()
    rows.append(("32 concurrent cold gets: API calls", args.label, str(calls["ours"][0]),
                 str(calls["go"][0]), "", None, None, "ours = 1"))

    # No credentials; a metadata service that accepts and never answers.
    hung = silent_listener()
    imds = f"http://127.0.0.1:{hung.getsockname()[1]}"
    env = {"PATH": os.environ.get("PATH", ""), "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds,
           "AWS_CA_BUNDLE": ca}
    secs = {}
    for name, helper in (("ours", ours), ("go", args.go)):
        home = f"{work}/home-{name}-nocreds"
        os.makedirs(home, exist_ok=True)
        elapsed, code, _ = timed([helper, "get"], dict(env, HOME=home, AWS_ECR_CACHE_DIR=f"{home}/c"))
        secs[name] = elapsed
    hung.close()
    rows.append(("no credentials, hung metadata service", args.label, f"{secs['ours']:.2f} s",
                 f"{secs['go']:.2f} s", "", secs["ours"] / secs["go"], None, "ours <= 1.5 s"))

    # Peak RSS and page faults of a warm get: start-up work a wall clock on a busy machine blurs.
    counter = Counter()
    api = start_api(cert, key, counter)

    def memory(cmd, env):
        runs = [peak_rss(cmd, env) for _ in range(20)]
        return statistics.median(r for r, _ in runs), statistics.median(f for _, f in runs)

    rss_go, faults_go = memory([args.go, "get"], env_for("go"))
    _, faults_true = memory(true, env_for("go"))
    memories = [(label, *memory([path, "get"], env_for(f"ours-{i}"))) for i, (label, path) in enumerate(builds)]
    for label, rss, _ in memories:
        rows.append(("peak RSS, warm get", label, f"{rss / 1024:.1f} MiB", f"{rss_go / 1024:.1f} MiB",
                     "", rss / rss_go, None, "<= 1 Go"))
    for label, _, faults in memories:
        rows.append(("minor page faults, warm get", label, f"{faults:.0f}", f"{faults_go:.0f}",
                     f"{faults_true:.0f}", faults / faults_go, faults / faults_true, ""))

    # Binary size (both stripped: the release profile strips ours, Debian strips Go's).
    size_go = os.path.getsize(args.go)
    for label, path in builds:
        size = os.path.getsize(path)
        rows.append(("binary size", label, f"{size / 1e6:.2f} MB", f"{size_go / 1e6:.2f} MB", "",
                     size / size_go, None, "<= 1 Go"))

    # Hit cost against the number of cached entries.
    scaling = []
    for entries in (1, 100, 10_000):
        env = env_for(f"scale-{entries}")
        timed([ours, "get"], env)
        cache = env["AWS_ECR_CACHE_DIR"]
        [entry] = [n for n in os.listdir(cache) if n.endswith(".json")]
        for i in range(entries - 1):
            shutil.copyfile(f"{cache}/{entry}", f"{cache}/token-v1-{i:032x}.json")
        t, _ = rounds(max(50, args.runs // 2), [[ours, "get"], true], [env, env])
        scaling.append((entries, ms(t)))
    api.shutdown()

    print()
    for label, path in builds:
        print(f"{label}: {path}")
    print(f"Go: {args.go}\n")
    print("| scenario | build of ours | ours | Go | /bin/true | ours/Go | ours/true | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, label, a, b, t, r_go, r_true, target in rows:
        r_go = "" if r_go is None else f"{r_go:.3f}"
        r_true = "" if r_true is None else f"{r_true:.2f}"
        print(f"| {name} | {label} | {a} | {b} | {t} | {r_go} | {r_true} | {target} |")
    print(f"\n| cached entries | warm get ({args.label}) |")
    print("|---|---|")
    for entries, t in scaling:
        print(f"| {entries} | {t} |")
    print(f"\n32 concurrent gets answered: ours {calls['ours'][1]}/32, Go {calls['go'][1]}/32")

if __name__ == "__main__":
    main()
