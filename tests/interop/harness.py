"""Processes the interop suite drives: `latchkey serve`, PostgreSQL, upstream's
tailscaled/tailscale and derper, and our Go helper. Every process is started
with its output in a log file under the test's directory and is stopped by
whoever started it (the fixtures in conftest.py); the suite also runs in a
network namespace of its own (scripts/interop), so nothing outlives it.

Waiting is always for a condition (`wait_until`), never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import pathlib
import pwd
import signal
import socket
import subprocess
import time
import urllib.request

LATCHKEY = os.environ.get("LATCHKEY_BIN", "")
INTEROP_DIR = pathlib.Path(os.environ.get("LATCHKEY_INTEROP_DIR", "build/interop"))
HELPER = os.environ.get("LATCHKEY_UPSTREAM_HELPER", str(INTEROP_DIR / "bin" / "upstream-helper"))
VERSIONS = os.environ.get("LATCHKEY_INTEROP_VERSIONS", "").split()
NEWEST = VERSIONS[0] if VERSIONS else ""
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")

# The DERP relay and STUN server (upstream derper --dev) on loopback.
DERP_PORT = 3340
STUN_PORT = 3478


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Polls `predicate` until it returns something truthy; returns that.
    Raises AssertionError naming `what` (and the last exception) on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - reported on timeout
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: pathlib.Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"({path}: {e})"


class Process:
    """One child process with its output in `log`."""

    def __init__(self, name: str, argv: list[str], log: pathlib.Path, env: dict | None = None,
                 cwd: pathlib.Path | None = None):
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.cwd = cwd
        self.popen: subprocess.Popen | None = None

    def start(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=self.env, cwd=self.cwd)
        out.close()

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Sends `sig` and waits; SIGKILL if it does not exit in time."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def check_alive(self):
        if not self.running():
            raise AssertionError(f"{self.name} exited ({self.popen.returncode if self.popen else 'not started'}):\n"
                                 f"{tail(self.log)}")


# --- PostgreSQL ------------------------------------------------------------

def _demote_to(user: str):
    pw = pwd.getpwnam(user)

    def demote():
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return demote


class PostgresCluster:
    """A PostgreSQL server of the suite's own: initdb into `root`, listening
    on a unix socket in it only. As root it runs as the postgres account."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.data = root / "data"
        self.sockdir = root / "sock"
        self.next_db = 0
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, argv: list[str]):
        kwargs = {"preexec_fn": _demote_to(self.user)} if self.user else {}
        r = subprocess.run(argv, capture_output=True, text=True, **kwargs)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r.stdout

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.sockdir.mkdir(exist_ok=True)
        if self.user:
            pw = pwd.getpwnam(self.user)
            for p in (self.root, self.sockdir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        opts = f"-k {self.sockdir} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"),
                   "-w", "-t", "60", "start"])

    def create_database(self) -> str:
        self.next_db += 1
        name = f"interop{self.next_db}"
        self._run([str(PG_BIN / "createdb"), "-h", str(self.sockdir), "-U", "postgres", name])
        return f"host={self.sockdir} dbname={name} user=postgres"

    def stop(self):
        if self.data.exists():
            try:
                self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            except RuntimeError:
                pass


# --- latchkey serve ---------------------------------------------------------

class LatchkeyServer:
    """`latchkey serve` on 127.0.0.1 with its config, keys and (SQLite)
    database in `root`. The port stays the same across restarts."""

    def __init__(self, root: pathlib.Path, backend: str, dsn: str | None = None,
                 ephemeral_timeout: str = "5s", tls: tuple[pathlib.Path, pathlib.Path] | None = None):
        self.root = root
        self.backend = backend
        self.port = free_port()
        self.metrics_port = free_port()
        self.tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.config = root / "config.yaml"
        self.socket = root / "admin.sock"
        self.log = root / "latchkey.log"
        root.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listen_addr: 127.0.0.1:{self.port}",
            f"metrics_listen_addr: 127.0.0.1:{self.metrics_port}",
            f"admin_socket: {self.socket}",
            f"ephemeral_node_inactivity_timeout: {ephemeral_timeout}",
            "log_level: debug",
            "derp:",
            "  regions:",
            "    - id: 900",
            "      code: loopback",
            "      name: Loopback relay",
            "      nodes:",
            "        - name: 900a",
            "          host_name: 127.0.0.1",
            "          ipv4: 127.0.0.1",
            "          ipv6: none",
            f"          derp_port: {DERP_PORT}",
            f"          stun_port: {STUN_PORT}",
            "database:",
        ]
        if backend == "sqlite":
            lines.append(f"  type: sqlite\n  path: {root / 'latchkey.db'}")
        else:
            lines.append(f"  type: postgres\n  dsn: \"{dsn}\"")
        if tls:
            lines.append(f"tls:\n  cert_path: {tls[0]}\n  key_path: {tls[1]}")
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = Process("latchkey serve", [LATCHKEY, "serve", "--config", str(self.config)], self.log)

    def start(self, timeout: float = 30):
        self.proc.start()

        def healthy():
            self.proc.check_alive()
            return self.health() == 200
        wait_until(healthy, timeout, f"latchkey serve to answer /health on port {self.port}")

    def health(self) -> int:
        ctx = None
        if self.tls:
            import ssl
            ctx = ssl.create_default_context(cafile=str(self.tls[0]))
        with urllib.request.urlopen(self.url + "/health", timeout=2, context=ctx) as r:
            return r.status

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        return self.proc.stop(sig)

    def admin(self, *args: str, parse_json: bool = False, check: bool = True):
        argv = [LATCHKEY, *args, "--config", str(self.config)]
        if parse_json:
            argv.append("--json")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
        if not check:
            return r
        return json.loads(r.stdout) if parse_json else r.stdout.strip()

    def create_user(self, name: str):
        self.admin("users", "create", name)

    def create_key(self, user: str, *flags: str) -> str:
        return self.admin("keys", "create", "--user", user, *flags)

    def nodes(self) -> list[dict]:
        return self.admin("nodes", "list", parse_json=True)

    def node_by_hostname(self, hostname: str) -> dict:
        matches = [n for n in self.nodes() if n["hostname"] == hostname]
        assert len(matches) == 1, f"nodes named {hostname}: {matches}"
        return matches[0]

    def metrics(self) -> str:
        # Served on its own address (metrics_listen_addr), plain HTTP.
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            return r.read().decode()


# --- upstream programs ------------------------------------------------------

def tailscale_bin(version: str, program: str) -> str:
    return str(INTEROP_DIR / "tailscale" / version / program)


class Derper:
    """Upstream's DERP relay and STUN server in dev mode (plain HTTP on
    127.0.0.1:3340, STUN on 3478): the relay in the served DERP map."""

    def __init__(self, root: pathlib.Path):
        self.proc = Process("derper", [tailscale_bin(NEWEST, "derper"), "--dev", "-a", f"127.0.0.1:{DERP_PORT}",
                                       "-stun-port", str(STUN_PORT), "-http-port", "-1"],
                            root / "derper.log")

    def start(self):
        self.proc.start()

        def up():
            self.proc.check_alive()
            with urllib.request.urlopen(f"http://127.0.0.1:{DERP_PORT}/derp/probe", timeout=2) as r:
                return r.status == 200
        wait_until(up, 30, "derper to answer /derp/probe")

    def stop(self):
        self.proc.stop()


class Tailscaled:
    """One real upstream client: tailscaled in userspace-networking mode with
    its own state directory and socket, driven with the matching tailscale
    CLI."""

    def __init__(self, root: pathlib.Path, name: str, version: str = ""):
        self.name = name
        self.version = version or NEWEST
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket = self.dir / "tailscaled.sock"
        self.log = self.dir / "tailscaled.log"
        env = dict(os.environ)
        env.update({
            "TS_NO_LOGS_NO_SUPPORT": "true",    # no log uploads
            "TS_LOGS_DIR": str(self.dir),
            "TS_DEBUG_USE_DERP_HTTP": "1",       # the loopback derper speaks plain HTTP
            "HOME": str(self.dir),
        })
        self.env = env
        self.proc = Process(f"tailscaled {name} ({self.version})",
                            [tailscale_bin(self.version, "tailscaled"), "--tun=userspace-networking",
                             f"--statedir={self.dir / 'state'}", f"--socket={self.socket}", "--port=0"],
                            self.log, env=env)

    def start(self):
        self.proc.start()

        def answering():
            self.proc.check_alive()
            return self.socket.exists() and self.run("status", "--json", check=False).returncode in (0, 1)
        wait_until(answering, 30, f"tailscaled {self.name} to answer on its socket")

    def stop(self, sig: int = signal.SIGTERM):
        return self.proc.stop(sig)

    def run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [tailscale_bin(self.version, "tailscale"), f"--socket={self.socket}", *args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=self.env)
        if check and r.returncode != 0:
            raise AssertionError(f"tailscale {' '.join(args)} on {self.name} failed ({r.returncode}):\n"
                                 f"{r.stdout}{r.stderr}\n-- tailscaled log --\n{tail(self.log, 30)}")
        return r

    def up(self, server: LatchkeyServer, authkey: str, *extra: str):
        self.run("up", f"--login-server={server.url}", f"--authkey={authkey}", f"--hostname={self.name}",
                 "--accept-dns=false", "--timeout=60s", *extra, timeout=90)

    def status(self) -> dict:
        return json.loads(self.run("status", "--json").stdout)

    def backend_state(self) -> str:
        return json.loads(self.run("status", "--json", check=False).stdout or "{}").get("BackendState", "")

    def peers(self) -> list[dict]:
        return list((self.status().get("Peer") or {}).values())

    def peer(self, hostname: str) -> dict | None:
        found = [p for p in self.peers() if p.get("HostName") == hostname]
        return found[0] if found else None

    def ips(self) -> list[str]:
        return self.status()["Self"]["TailscaleIPs"]


class LatchkeyNode:
    """Our client: `latchkey up` in the foreground with its own state
    directory, read through its status socket with `latchkey status
    --json`."""

    def __init__(self, root: pathlib.Path, name: str, login_server: str, authkey: str = "", *extra: str):
        self.name = name
        self.dir = root / name
        self.state = self.dir / "state"
        self.log = self.dir / "up.log"
        self.argv = [LATCHKEY, "up", f"--login-server={login_server}", f"--hostname={name}",
                     f"--state={self.state}", *([f"--authkey={authkey}"] if authkey else []), *extra]
        self.proc = Process(f"latchkey up {name}", self.argv, self.log)

    def start(self):
        self.proc.start()

        def answering():
            self.proc.check_alive()
            return self.status(check=False) is not None
        wait_until(answering, 30, f"latchkey up {self.name} to answer on its status socket")

    def stop(self, sig: int = signal.SIGTERM):
        return self.proc.stop(sig)

    def status(self, check: bool = True) -> dict | None:
        r = subprocess.run([LATCHKEY, "status", "--json", f"--state={self.state}"], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            if check:
                raise AssertionError(f"latchkey status for {self.name} failed ({r.returncode}): {r.stdout}{r.stderr}"
                                     f"\n-- up log --\n{tail(self.log, 30)}")
            return None
        return json.loads(r.stdout)

    def peer(self, hostname: str) -> dict | None:
        """A peer by host name (the first label of its name)."""
        found = [p for p in self.status()["peers"] if p["name"].split(".")[0] == hostname]
        return found[0] if found else None

    def verdicts(self) -> dict[str, str]:
        """Host name -> lock verdict of every peer."""
        return {p["name"].split(".")[0]: p["lock_verdict"] for p in self.status()["peers"]}


class UpstreamHelper:
    """Our Go program over upstream's packages (tests/interop/upstream)."""

    @staticmethod
    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([HELPER, *args], capture_output=True, text=True, timeout=timeout)
