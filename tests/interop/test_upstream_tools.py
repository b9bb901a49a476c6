"""Interop tests: latchkey's CLI against upstream-helper, a Go program built
on upstream Tailscale packages (tests/interop/upstream, tailscale.com
v1.102.5).

Environment:
  LATCHKEY_BIN              the `latchkey` CLI
  LATCHKEY_UPSTREAM_HELPER  the built upstream-helper
                            (cd tests/interop/upstream && go build -o <out> .)

  LATCHKEY_BIN=... LATCHKEY_UPSTREAM_HELPER=... python3 -m pytest -q tests/interop/test_upstream_tools.py

Everything listens on 127.0.0.1 only. Servers are started with Popen; the
tests wait for their `listening` line (reading stdout line by line, with a
deadline) and always stop and reap them.

What is covered:
  - TS2021 Noise over raw TCP, both directions: upstream's controlbase client
    against `latchkey debug noise-echo-server`, latchkey's
    `debug noise-client` against upstream's controlbase server; wrong keys
    fail on both sides; the two key files are interchangeable.
  - Tailnet Lock: `latchkey debug tka-replay` and `upstream-helper
    tka-check` (upstream's tka package) on the same replay files, built from
    every usable case of the upstream-produced vectors in tests/data/vectors
    plus hand-made bad inputs: identical output lines and exit codes. The Go
    side is also checked against the vectors' recorded results, which shows
    that the files replay what upstream replayed.
  - upstream's testcontrol server starts and answers /key.
  - ws-login (upstream's WebSocket dial, controlbase, ts2021, HTTP/2,
    register + map) against upstream's testcontrol, and against
    `latchkey serve` over http and over https with a self-signed
    certificate.
"""

import base64
import contextlib
import hashlib
import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "data" / "vectors"

START_TIMEOUT = 30.0  # seconds to wait for a server's `listening` line
RUN_TIMEOUT = 120.0  # seconds for one client / replay run


def _binary(var):
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"set {var} to the binary's path")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path} is not an executable file")
    return path


@pytest.fixture(scope="session")
def latchkey():
    return _binary("LATCHKEY_BIN")


@pytest.fixture(scope="session")
def helper():
    return _binary("LATCHKEY_UPSTREAM_HELPER")


# ---------------------------------------------------------------------------
# Processes


class Server:
    """A long-running subprocess whose stdout is read line by line."""

    def __init__(self, argv, stderr_path, cwd=None):
        self.argv = argv
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, cwd=cwd
        )
        self._buf = b""

    def stderr_text(self):
        self._stderr.flush()
        return pathlib.Path(self.stderr_path).read_text(errors="replace")

    def read_line(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.argv[:3]}: no complete stdout line within {timeout} s; "
                    f"got {self._buf!r}; stderr:\n{self.stderr_text()}"
                )
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.proc.wait(timeout=5)
                raise AssertionError(
                    f"{self.argv[:3]}: exited ({code}) before printing a whole line; "
                    f"got {self._buf!r}; stderr:\n{self.stderr_text()}"
                )
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode()

    def wait_for(self, prefix, timeout=START_TIMEOUT):
        """Reads lines until one starts with prefix; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.read_line(max(0.1, deadline - time.monotonic()))
            if line.startswith(prefix):
                return line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self._stderr.close()


class running:
    """Context manager: a Server that is stopped and reaped on exit."""

    def __init__(self, argv, stderr_path, cwd=None):
        self.argv, self.stderr_path, self.cwd = argv, stderr_path, cwd
        self.server = None

    def __enter__(self):
        self.server = Server(self.argv, self.stderr_path, self.cwd)
        return self.server

    def __exit__(self, *exc):
        self.server.stop()
        return False


def run(argv, timeout=RUN_TIMEOUT, **kw):
    return subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, **kw
    )


def start_echo_server(argv, tmp_path, name):
    """Starts a noise-echo-server; returns (server, control key, address)."""
    ctx = running(argv, tmp_path / f"{name}.stderr")
    server = ctx.__enter__()
    try:
        mkey = server.read_line()
        assert mkey.startswith("mkey:") and len(mkey) == 5 + 64, mkey
        listening = server.read_line()
        assert listening.startswith("listening 127.0.0.1:"), listening
        return ctx, mkey, listening.split(" ", 1)[1]
    except BaseException:
        ctx.__exit__(None, None, None)
        raise


def other_key(mkey):
    """A valid control key that is not mkey."""
    last = "1" if mkey[-1] != "1" else "2"
    return mkey[:-1] + last


# ---------------------------------------------------------------------------
# TS2021 Noise over raw TCP

MESSAGE_COUNTS = [1, 2, 20, 64]


@pytest.fixture
def latchkey_echo(latchkey, tmp_path):
    ctx, mkey, addr = start_echo_server(
        [latchkey, "debug", "noise-echo-server", "--listen", "127.0.0.1:0", "--key-file", str(tmp_path / "lk.key")],
        tmp_path,
        "latchkey-echo",
    )
    try:
        yield ctx.server, mkey, addr
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture
def go_echo(helper, tmp_path):
    ctx, mkey, addr = start_echo_server(
        [helper, "noise-echo-server", "--listen", "127.0.0.1:0", "--key-file", str(tmp_path / "go.key")],
        tmp_path,
        "go-echo",
    )
    try:
        yield ctx.server, mkey, addr
    finally:
        ctx.__exit__(None, None, None)


@pytest.mark.parametrize("n", MESSAGE_COUNTS)
def test_go_noise_client_against_latchkey_echo_server(helper, latchkey_echo, n):
    server, mkey, addr = latchkey_echo
    r = run([helper, "noise-client", "--connect", addr, "--control-key", mkey, "--messages", str(n), "--timeout", "60s"])
    assert (r.returncode, r.stdout.decode()) == (0, f"OK n={n}\n"), (r.stderr.decode(), server.stderr_text())


def test_go_noise_client_wrong_key_against_latchkey_echo_server(helper, latchkey_echo):
    server, mkey, addr = latchkey_echo
    r = run([helper, "noise-client", "--connect", addr, "--control-key", other_key(mkey), "--messages", "3", "--timeout", "30s"])
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == b""
    assert b"handshake" in r.stderr, r.stderr
    # The server is still fine afterwards.
    r = run([helper, "noise-client", "--connect", addr, "--control-key", mkey, "--messages", "2", "--timeout", "30s"])
    assert (r.returncode, r.stdout) == (0, b"OK n=2\n"), (r.stderr.decode(), server.stderr_text())


@pytest.mark.parametrize("n", MESSAGE_COUNTS)
def test_latchkey_noise_client_against_go_echo_server(latchkey, go_echo, n):
    server, mkey, addr = go_echo
    r = run([latchkey, "debug", "noise-client", "--connect", addr, "--control-key", mkey, "--messages", str(n), "--timeout", "60"])
    assert (r.returncode, r.stdout.decode()) == (0, f"OK n={n}\n"), (r.stderr.decode(), server.stderr_text())


def test_latchkey_noise_client_wrong_key_against_go_echo_server(latchkey, go_echo):
    server, mkey, addr = go_echo
    r = run([latchkey, "debug", "noise-client", "--connect", addr, "--control-key", other_key(mkey), "--messages", "3", "--timeout", "30"])
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == b""
    assert b"handshake" in r.stderr, r.stderr
    r = run([latchkey, "debug", "noise-client", "--connect", addr, "--control-key", mkey, "--messages", "2", "--timeout", "30"])
    assert (r.returncode, r.stdout) == (0, b"OK n=2\n"), (r.stderr.decode(), server.stderr_text())


def test_noise_clients_fail_on_a_closed_port(latchkey, helper, tmp_path):
    # A port nobody listens on: bind one, note it, close it.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = "mkey:" + "11" * 32
    r = run([helper, "noise-client", "--connect", f"127.0.0.1:{port}", "--control-key", key, "--messages", "1"])
    assert r.returncode == 1 and r.stdout == b"" and r.stderr, r
    r = run([latchkey, "debug", "noise-client", "--connect", f"127.0.0.1:{port}", "--control-key", key, "--messages", "1"])
    assert r.returncode == 1 and r.stdout == b"" and r.stderr, r


@pytest.mark.parametrize("creator", ["latchkey", "go"])
def test_control_key_files_are_interchangeable(latchkey, helper, tmp_path, creator):
    """A key file either echo server created gives the same key to the other."""
    key_file = tmp_path / "control.key"
    first = [latchkey, "debug", "noise-echo-server"] if creator == "latchkey" else [helper, "noise-echo-server"]
    second = [helper, "noise-echo-server"] if creator == "latchkey" else [latchkey, "debug", "noise-echo-server"]
    keys = []
    for i, prefix in enumerate([first, second]):
        with running(prefix + ["--listen", "127.0.0.1:0", "--key-file", str(key_file)], tmp_path / f"{i}.stderr") as s:
            keys.append(s.read_line())
            assert s.read_line().startswith("listening 127.0.0.1:")
    assert keys[0] == keys[1]
    assert keys[0].startswith("mkey:")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert key_file.read_text().strip().startswith("privkey:")


def test_helper_bad_usage_exits_2(helper):
    for argv in (
        [helper],
        [helper, "no-such-subcommand"],
        [helper, "noise-client", "--messages", "1"],
        [helper, "noise-client", "--connect", "127.0.0.1:1", "--control-key", "mkey:00", "--bogus"],
        [helper, "noise-echo-server", "--listen", "127.0.0.1:0"],
        [helper, "tka-check"],
        [helper, "tka-check", "a", "b"],
        [helper, "testcontrol"],
        [helper, "capability-version", "extra"],
        [helper, "ws-login", "--server", "http://127.0.0.1:1"],
        [helper, "ws-login", "--server", "ftp://x", "--authkey", "k", "--hostname", "h"],
    ):
        r = run(argv, timeout=30)
        assert r.returncode == 2, (argv, r)
        assert b"usage" in r.stderr, (argv, r.stderr)


# ---------------------------------------------------------------------------
# Tailnet Lock: tka-replay (latchkey) vs tka-check (upstream)


def _load(name):
    with open(VECTORS / name) as f:
        return json.load(f)


def b32(hex_hash):
    return base64.b32encode(bytes.fromhex(hex_hash)).decode().rstrip("=")


def aum_hash(hex_cbor):
    # Upstream hashes its canonical re-encoding; the vectors' AUMs are
    # upstream's own serializations, hence canonical.
    return hashlib.blake2s(bytes.fromhex(hex_cbor)).hexdigest()


class ReplayCase:
    """One replay file, and optionally what upstream recorded for it."""

    def __init__(self, name, doc=None, raw=None, check=None, same_text=True, why=None):
        self.name = name
        self.doc = doc  # a JSON-able dict, or None when raw is given
        self.raw = raw  # bytes written verbatim
        self.check = check  # f(exit code, parsed output) -> None, asserts the vector's result
        self.same_text = same_text  # False: only the exit codes must agree (see why)
        self.why = why

    def file_bytes(self):
        if self.raw is not None:
            return self.raw
        return json.dumps(self.doc).encode()


def _check_chain_case(case):
    def check(code, out):
        if case["bootstrap_result"] != "ok":
            assert (code, out) == (1, {"error": case["bootstrap_result"]})
            return
        batch = case.get("batch_inform_result", "not-called")
        if batch not in ("ok", "not-called"):
            assert (code, out) == (1, {"error": batch})
            return
        assert code == 0, out
        exp = case["expected"]
        assert out["head"] == exp["head_base32"]
        assert out["active_chain"] == [b32(h) for h in exp["active_chain"]]
        assert out["active_chain"][0] == b32(exp["oldest_ancestor"])
        assert sorted(k["id"] for k in out["keys"]) == sorted(k.get("key_id", "") for k in exp["keys"])
        assert out["disablement_values"] == sorted(exp["disablement_values"])
        assert out["state_ids"] == [exp["state_id1"], exp["state_id2"]]

    return check


def chain_cases():
    data = _load("chains.json")
    cases = []
    for arr in ("chains", "random_chains"):
        for c in data[arr]:
            doc = {"genesis": c["genesis"], "aums": c["aums"], "node_keys": []}
            cases.append(ReplayCase(f"chains/{arr}/{c['name']}", doc, check=_check_chain_case(c)))
            if arr == "chains":
                # Same AUMs reversed and twice over: the order given and
                # duplicates must not matter.
                doc2 = {"genesis": c["genesis"], "aums": list(reversed(c["aums"])) + c["aums"]}
                cases.append(ReplayCase(f"chains/{arr}/{c['name']}/reversed-duplicated", doc2, check=_check_chain_case(c)))
    return cases


def sync_cases():
    data = _load("sync.json")
    cases = []
    for c in data["cases"]:
        pool = c["aum_pool"]
        by_hash = {aum_hash(a): a for a in pool}
        for side in ("a", "b"):
            node = c[side]
            doc = {"genesis": pool[node["bootstrap"]], "aums": [pool[i] for i in node["aums"]]}

            def check(code, out, head=node["head"]):
                assert code == 0, out
                assert out["head"] == b32(head)

            cases.append(ReplayCase(f"sync/{c['name']}/{side}", doc, check=check))
        # Each side after informing what the other sent (when upstream did).
        for side, other, missing, inform, head in (
            ("b", "a", "missing_for_b", "b_inform", "head_b"),
            ("a", "b", "missing_for_a", "a_inform", "head_a"),
        ):
            if c["after"][inform] != "ok" or c[missing]["result"] != "ok":
                continue
            sent = c[missing]["aums"]
            if not all(h in by_hash for h in sent):
                continue
            node = c[side]
            doc = {
                "genesis": pool[node["bootstrap"]],
                "aums": [pool[i] for i in node["aums"]] + [by_hash[h] for h in sent],
            }

            def check(code, out, head=c["after"][head]):
                assert code == 0, out
                assert out["head"] == b32(head)

            cases.append(ReplayCase(f"sync/{c['name']}/{side}-after-sync", doc, check=check))
    return cases


def node_key_signature_cases():
    data = _load("node_key_signature.json")
    cases = []
    for auth in data["authorities"]:
        checks, expected = [], []
        for c in data["cases"]:
            for r in c["results"]:
                if r["authority"] == auth["name"]:
                    checks.append({"node_key": c["node_key"], "signature": c["signature"]})
                    expected.append(r["result"])
        doc = {"genesis": auth["aums"][0], "aums": auth["aums"][1:], "node_keys": checks}

        def check(code, out, auth=auth, expected=expected):
            assert code == 0, out
            assert out["head"] == b32(auth["head"])
            got = [("ok" if v["authorized"] else v["error"]) for v in out["node_keys"]]
            assert got == expected
            assert all(v["authorized"] == (v["error"] == "") for v in out["node_keys"])

        cases.append(ReplayCase(f"nks/{auth['name']}", doc, check=check))
        # Every signature on its own too, so that one case's text is
        # compared without the others around it.
        for i, nk in enumerate(checks):
            cases.append(ReplayCase(f"nks/{auth['name']}/{i}", dict(doc, node_keys=[nk])))
    return cases


def aum_codec_cases():
    data = _load("aum_codec.json")
    chains = _load("chains.json")["chains"]
    base = next(c for c in chains if c["name"] == "genesis-only")
    cases = []
    for d in data["decode"]:
        def check(code, out, d=d):
            if not d["accepted"]:
                assert (code, out) == (1, {"error": "genesis: " + d["error"]})

        # As the bootstrap AUM, and as an update behind a good genesis.
        cases.append(ReplayCase(f"aum_codec/decode/{d['name']}/genesis", {"genesis": d["input"]}, check=check))
        cases.append(ReplayCase(f"aum_codec/decode/{d['name']}/update", {"genesis": base["genesis"], "aums": [d["input"]]}))
    for a in data["aums"]:
        cases.append(ReplayCase(f"aum_codec/aums/{a['name']}/genesis", {"genesis": a["cbor"]}))
        cases.append(ReplayCase(f"aum_codec/aums/{a['name']}/update", {"genesis": base["genesis"], "aums": [a["cbor"]]}))
    return cases


def hand_made_cases():
    chains = {c["name"]: c for c in _load("chains.json")["chains"]}
    good = chains["builder-linear-10"]
    g = good["genesis"]
    nks = _load("node_key_signature.json")
    nk_case = nks["cases"][0]
    main_auth = next(a for a in nks["authorities"] if a["name"] == "main")
    cases = [
        # Input errors before any tka code runs: the Go twin reproduces
        # latchkey's texts for these, so the whole line is compared.
        ReplayCase("bad/not-json", raw=b"{genesis"),
        ReplayCase("bad/empty-file", raw=b""),
        ReplayCase("bad/json-array", raw=b'["genesis"]'),
        ReplayCase("bad/trailing-garbage", raw=json.dumps({"genesis": g}).encode() + b" x"),
        ReplayCase("bad/missing-genesis", {"aums": []}),
        ReplayCase("bad/genesis-not-string", {"genesis": 5}),
        ReplayCase("bad/genesis-null", {"genesis": None}),
        ReplayCase("bad/genesis-odd-hex", {"genesis": g[:-1]}),
        ReplayCase("bad/genesis-bad-hex-digit", {"genesis": "zz" + g[2:]}),
        ReplayCase("bad/genesis-bad-hex-digit-low-nibble", {"genesis": g[:10] + "0g" + g[12:]}),
        ReplayCase("bad/aums-not-array", {"genesis": g, "aums": "x"}),
        ReplayCase("bad/aums-item-not-string", {"genesis": g, "aums": [1]}),
        ReplayCase("bad/aums-item-bad-hex", {"genesis": g, "aums": good["aums"][:2] + ["0"]}),
        ReplayCase("bad/node-keys-not-array", {"genesis": g, "node_keys": {}}),
        ReplayCase("bad/node-keys-item-not-object", {"genesis": g, "node_keys": ["x"]}),
        ReplayCase("bad/node-keys-missing-signature", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"]}]}),
        ReplayCase("bad/node-keys-missing-node-key", {"genesis": g, "node_keys": [{"signature": "00"}]}),
        ReplayCase("bad/node-keys-bad-signature-hex", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"], "signature": "0"}]}),
        # Truncated / damaged CBOR reaches upstream's decoder (and
        # latchkey's, which reproduces its texts).
        ReplayCase("bad/genesis-empty", {"genesis": ""}),
        ReplayCase("bad/genesis-truncated-1", {"genesis": g[:-2]}),
        ReplayCase("bad/genesis-truncated-half", {"genesis": g[: len(g) // 2 // 2 * 2]}),
        ReplayCase("bad/genesis-one-byte", {"genesis": g[:2]}),
        ReplayCase("bad/genesis-trailing-byte", {"genesis": g + "00"}),
        ReplayCase("bad/genesis-not-a-map", {"genesis": "80"}),
        ReplayCase("bad/aum-truncated", {"genesis": g, "aums": [good["aums"][0][:-4]]}),
        ReplayCase("bad/signature-truncated", {"genesis": main_auth["aums"][0], "aums": main_auth["aums"][1:],
                                               "node_keys": [{"node_key": nk_case["node_key"], "signature": nk_case["signature"][:-2]}]}),
        ReplayCase("bad/signature-empty", {"genesis": main_auth["aums"][0], "aums": main_auth["aums"][1:],
                                           "node_keys": [{"node_key": nk_case["node_key"], "signature": ""}]}),
        # A non-checkpoint as the bootstrap AUM; an update as genesis.
        ReplayCase("bad/bootstrap-from-update", {"genesis": next(a for a in good["aums"] if a != g)}),
        # Over the list limits (checked before any entry is decoded).
        ReplayCase("bad/too-many-aums", {"genesis": g, "aums": ["00"] * 100001}),
        ReplayCase("bad/too-many-node-keys", {"genesis": g, "node_keys": [{}] * 100001}),
        ReplayCase("ok/as-many-node-keys-as-allowed", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"], "signature": nk_case["signature"]}] * 1000}),
        # Only copies of the genesis: inform is not called.
        ReplayCase("ok/only-genesis-copies", {"genesis": g, "aums": [g, g, g]}),
        ReplayCase("ok/null-members", {"genesis": g, "aums": None, "node_keys": None}),
        ReplayCase("ok/unknown-members-ignored", {"genesis": g, "aums": good["aums"], "extra": [1, 2]}),
        ReplayCase("ok/upper-case-hex", {"genesis": g.upper(), "aums": [a.upper() for a in good["aums"]]}),
        ReplayCase("ok/bom", raw=b"\xef\xbb\xbf" + json.dumps({"genesis": g}).encode()),
        # A node key checked against an unrelated authority.
        ReplayCase("ok/node-key-unknown-authority", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"], "signature": nk_case["signature"]}]}),
        # Node key texts that do not parse (upstream's key.NodePublic
        # texts on the Go side; latchkey reproduces them).
        ReplayCase("bad/node-key-no-prefix", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"][8:], "signature": "00"}]}),
        ReplayCase("bad/node-key-short", {"genesis": g, "node_keys": [{"node_key": nk_case["node_key"][:-2], "signature": "00"}]}),
        ReplayCase("bad/node-key-bad-hex", {"genesis": g, "node_keys": [{"node_key": "nodekey:" + "zz" * 32, "signature": "00"}]}),
        ReplayCase("bad/node-key-upper-prefix", {"genesis": g, "node_keys": [{"node_key": "NODEKEY:" + nk_case["node_key"][8:], "signature": "00"}]}),
        ReplayCase("ok/node-key-upper-hex", {"genesis": main_auth["aums"][0], "aums": main_auth["aums"][1:],
                                             "node_keys": [{"node_key": "nodekey:" + nk_case["node_key"][8:].upper(), "signature": nk_case["signature"]}]}),
    ]
    return cases


def all_replay_cases():
    cases = chain_cases() + sync_cases() + node_key_signature_cases() + aum_codec_cases() + hand_made_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


REPLAY_CASES = all_replay_cases()


def replay_both(latchkey, helper, path):
    lk = run([latchkey, "debug", "tka-replay", str(path)])
    go = run([helper, "tka-check", str(path)])
    return lk, go


def _describe(case, path, lk, go):
    return (
        f"\ncase {case.name}; input {path}\n"
        f"latchkey tka-replay: exit {lk.returncode}\n  stdout {lk.stdout!r}\n  stderr {lk.stderr[-2000:]!r}\n"
        f"upstream tka-check:  exit {go.returncode}\n  stdout {go.stdout!r}\n  stderr {go.stderr[-2000:]!r}"
    )


@pytest.mark.parametrize("case", REPLAY_CASES, ids=[c.name for c in REPLAY_CASES])
def test_tka_replay_matches_upstream(latchkey, helper, tmp_path, case):
    path = tmp_path / "replay.json"
    path.write_bytes(case.file_bytes())
    lk, go = replay_both(latchkey, helper, path)
    info = _describe(case, path, lk, go)
    assert go.returncode in (0, 1), info
    assert go.stdout.endswith(b"\n") and go.stdout.count(b"\n") == 1, info
    assert lk.stdout.endswith(b"\n") and lk.stdout.count(b"\n") == 1, info
    go_out = json.loads(go.stdout)
    if case.check is not None:
        # The Go side replays what upstream recorded (else the file, not
        # latchkey, would be wrong).
        try:
            case.check(go.returncode, go_out)
        except AssertionError as e:
            raise AssertionError(f"upstream-helper disagrees with the vector: {e}{info}") from e
    if case.same_text:
        assert (lk.returncode, lk.stdout) == (go.returncode, go.stdout), info
    else:
        # case.why says why the texts may differ.
        assert lk.returncode == go.returncode == 1, info
        assert set(json.loads(lk.stdout)) == set(go_out) == {"error"}, info


def test_tka_replay_of_a_long_chain_from_upstreams_builder(latchkey, helper, tmp_path):
    # 10,000 updates made by upstream's UpdateBuilder (a checkpoint every
    # 50): far more than the 2,000 steps the candidate search may take, and
    # still listed whole, genesis to head, exactly as upstream walks it.
    made = run([helper, "tka-chain", "--updates", "10000"], timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    doc = json.loads(made.stdout)
    assert len(doc["aums"]) > 10000
    path = tmp_path / "long.json"
    path.write_bytes(made.stdout)
    lk, go = replay_both(latchkey, helper, path)
    info = f"\nlatchkey: exit {lk.returncode} {lk.stdout[:300]!r} {lk.stderr[-500:]!r}\nupstream: exit {go.returncode} {go.stdout[:300]!r}"
    assert go.returncode == 0, info
    assert len(json.loads(go.stdout)["active_chain"]) == len(doc["aums"]) + 1, info
    assert (lk.returncode, lk.stdout) == (go.returncode, go.stdout), info


def test_tka_replay_missing_file(latchkey, helper, tmp_path):
    path = tmp_path / "no-such-file.json"
    lk, go = replay_both(latchkey, helper, path)
    assert (lk.returncode, lk.stdout) == (go.returncode, go.stdout) == (1, (json.dumps({"error": f"cannot open {path}"}, separators=(",", ":")) + "\n").encode())


def test_tka_replay_file_too_large(latchkey, helper, tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.write(b'{"genesis": "')
        f.truncate((64 << 20) + 1)  # one byte over the limit
    lk, go = replay_both(latchkey, helper, path)
    want = json.dumps({"error": f"{path}: file too large (limit {64 << 20} bytes)"}, separators=(",", ":")) + "\n"
    assert (lk.returncode, lk.stdout) == (go.returncode, go.stdout) == (1, want.encode())


# ---------------------------------------------------------------------------
# upstream's test control server


def test_testcontrol_serves_key(helper, tmp_path):
    with running([helper, "testcontrol", "--listen", "127.0.0.1:0"], tmp_path / "tc.stderr") as tc:
        line = tc.read_line()
        assert line.startswith("listening http://127.0.0.1:"), line
        url = line.split(" ", 1)[1]
        with urllib.request.urlopen(url + "/key?v=113", timeout=30) as res:
            assert res.status == 200
            body = json.load(res)
        assert body["publicKey"].startswith("mkey:") and len(body["publicKey"]) == 5 + 64, body
        assert body["legacyPublicKey"].startswith("mkey:"), body
        assert tc.proc.poll() is None


def test_ws_login_against_testcontrol(helper, tmp_path):
    """ws-login against upstream's own server: the reference behaviour."""
    with running([helper, "testcontrol", "--listen", "127.0.0.1:0", "--require-authkey", "tskey-test"], tmp_path / "tc.stderr") as tc:
        url = tc.read_line().split(" ", 1)[1]
        first = run([helper, "ws-login", "--server", url, "--authkey", "tskey-test", "--hostname", "alpha", "--timeout", "60s"])
        assert first.returncode == 0, (first, tc.stderr_text())
        a = json.loads(first.stdout)
        assert a["name"] == "alpha" and a["node_key"].startswith("nodekey:") and a["addresses"], a
        second = run([helper, "ws-login", "--server", url, "--authkey", "tskey-test", "--hostname", "bravo", "--timeout", "60s"])
        assert second.returncode == 0, (second, tc.stderr_text())
        b = json.loads(second.stdout)
        assert b["name"] == "bravo" and b["peers"] == ["alpha"], b
        bad = run([helper, "ws-login", "--server", url, "--authkey", "wrong", "--hostname", "charlie", "--timeout", "60s"])
        assert bad.returncode == 1 and bad.stdout == b"" and b"invalid authkey" in bad.stderr, bad


# ---------------------------------------------------------------------------
# ws-login against `latchkey serve`


def _make_cert(tmp_path):
    """A self-signed certificate for 127.0.0.1 (its own CA)."""
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    r = run([
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
    ], timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return cert, key


@contextlib.contextmanager
def latchkey_serve(latchkey, tmp_path, scheme):
    """`latchkey serve` on 127.0.0.1 (a free port), a temporary SQLite
    database and admin socket, a user alice and a reusable pre-auth key."""
    tls = ""
    cert = None
    if scheme == "https":
        cert, key = _make_cert(tmp_path)
        tls = f"tls:\n  cert_path: {cert}\n  key_path: {key}\n"
    config = tmp_path / "config.yaml"
    config.write_text(
        "listen_addr: 127.0.0.1:0\n"
        'metrics_listen_addr: ""\n'
        f"{tls}"
        "database:\n  type: sqlite\n  path: latchkey.db\n"
        "log_level: info\n"
        "threads: 1\n"
    )
    with running([latchkey, "serve", "--config", str(config)], tmp_path / "serve.stderr", cwd=tmp_path) as srv:
        line = srv.wait_for("latchkey serve: listening on ")
        addr = line.split("listening on ", 1)[1].split(" ", 1)[0]
        assert addr.startswith("127.0.0.1:") and not addr.endswith(":0"), line
        url = f"{scheme}://{addr}"

        def admin(*args):
            r = run([latchkey, *args, "--config", str(config)], timeout=60)
            assert r.returncode == 0, (args, r, srv.stderr_text())
            return r.stdout.decode().strip()

        admin("users", "create", "alice")
        authkey = admin("keys", "create", "--user", "alice", "--reusable", "--expiration", "1h")
        assert authkey and "\n" not in authkey, authkey
        yield {"url": url, "authkey": authkey, "cert": cert, "server": srv}


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_ws_login_against_latchkey_serve(latchkey, helper, tmp_path, scheme):
    with latchkey_serve(latchkey, tmp_path, scheme) as server:
        _ws_login_two_nodes(helper, server)


def _ws_login_two_nodes(helper, server):
    url, authkey, srv = server["url"], server["authkey"], server["server"]
    extra = ["--ca-file", str(server["cert"])] if server["cert"] else []
    first = run([helper, "ws-login", "--server", url, "--authkey", authkey, "--hostname", "alpha", "--timeout", "60s", *extra])
    assert first.returncode == 0, (first, srv.stderr_text())
    a = json.loads(first.stdout)
    assert a["node_key"].startswith("nodekey:"), a
    assert a["name"].split(".")[0] == "alpha", a
    assert a["addresses"], a
    assert a["peers"] == [], a
    second = run([helper, "ws-login", "--server", url, "--authkey", authkey, "--hostname", "bravo", "--timeout", "60s", *extra])
    assert second.returncode == 0, (second, srv.stderr_text())
    b = json.loads(second.stdout)
    assert b["name"].split(".")[0] == "bravo", b
    assert [p.split(".")[0] for p in b["peers"]] == ["alpha"], b
    assert set(a["addresses"]).isdisjoint(b["addresses"]), (a, b)
    if "user" in a and "user" in b:
        assert a["user"] == b["user"], (a, b)
    bad = run([helper, "ws-login", "--server", url, "--authkey", authkey + "x", "--hostname", "charlie", "--timeout", "60s", *extra])
    assert bad.returncode == 1 and bad.stdout == b"" and bad.stderr, bad


def test_ws_login_https_without_the_ca_fails(latchkey, helper, tmp_path):
    with latchkey_serve(latchkey, tmp_path, "https") as server:
        r = run([helper, "ws-login", "--server", server["url"], "--authkey", server["authkey"],
                 "--hostname", "delta", "--timeout", "30s"])
        assert r.returncode == 1 and b"certificate" in r.stderr, r
