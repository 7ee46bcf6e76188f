#!/usr/bin/env python3
"""ORAS (the project's Python SDK, `oras` on PyPI) against a basic-auth registry, with the
credentials of a docker config file: whatever its `credHelpers` or `credsStore` helper answers.

The SDK reads `~/.docker/config.json` and not `$DOCKER_CONFIG`, so the file is named here and
handed over as `config_path`; it runs `docker-credential-<name> get` itself. No credentials
reach it any other way (ORAS_USER and ORAS_PASS are removed).

Usage: oras_flow.py roundtrip|refused DOCKER_CONFIG_JSON CA_FILE REF
  roundtrip: push a fresh one-file artifact to REF, pull it into another directory, compare
  refused:   pulling REF must be refused by the registry for want of credentials
"""

import os
import secrets
import sys
import tempfile
import types

import oras.client
import oras.decorator
import requests


def client(ca):
    return oras.client.OrasClient(auth_backend="basic", tls_verify=ca)


def roundtrip(config, ca, ref):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        os.mkdir(src)
        body = f"e2e artifact {secrets.token_hex(16)}\n".encode()
        with open(os.path.join(src, "artifact.txt"), "wb") as f:
            f.write(body)
        # The SDK takes paths relative to the working directory.
        os.chdir(src)
        response = client(ca).push(target=ref, files=["artifact.txt"], config_path=config, quiet=True)
        if response.status_code != 201:
            sys.exit(f"push: HTTP {response.status_code}: {response.text[:200]}")
        # A second client: nothing carried over from the push but the config file.
        pulled = client(ca).pull(target=ref, config_path=config, outdir=dst)
        names = [os.path.relpath(p, dst) for p in pulled]
        if names != ["artifact.txt"]:
            sys.exit(f"pull: got {names}, expected ['artifact.txt']")
        with open(pulled[0], "rb") as f:
            if f.read() != body:
                sys.exit("pull: the artifact differs from the one pushed")
    print(f"pushed and pulled {ref}")


def refused(config, ca, ref):
    # The SDK retries a failed request five times, sleeping 3 s, 5 s, 11 s, 29 s and 83 s; the
    # failure sought here is the same each time, so it is made without the waits.
    oras.decorator.time = types.SimpleNamespace(sleep=lambda _seconds: None)
    try:
        client(ca).pull(target=ref, config_path=config, outdir=tempfile.mkdtemp())
    except requests.HTTPError as err:
        if err.response is not None and err.response.status_code == 401:
            print(f"refused: {err}")
            return
        raise
    except ValueError as err:
        # What the SDK raises for a 401 to the credentials it sent (Debian's pass helper
        # answers a missing entry with an empty username and secret, which the SDK sends).
        if str(err).endswith(": Unauthorized"):
            print(f"refused: {err}")
            return
        raise
    except AttributeError as err:
        # oras 0.2's basic backend, given a 401 and no credentials from the config, fails on
        # its unset `_basic_auth` rather than returning the 401.
        if "_basic_auth" in str(err):
            print("refused: the registry asked for credentials and the config gave none")
            return
        raise
    sys.exit(f"pull of {ref} succeeded: the config gave credentials")


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("roundtrip", "refused"):
        sys.exit(__doc__.strip().split("\n\n")[-1])
    for name in ("ORAS_USER", "ORAS_PASS"):
        os.environ.pop(name, None)
    mode, config, ca, ref = sys.argv[1:]
    if not os.path.isfile(config):
        sys.exit(f"{config}: no such file")
    {"roundtrip": roundtrip, "refused": refused}[mode](config, ca, ref)


if __name__ == "__main__":
    main()
