"""Our client (`latchkey up`) in a tailnet with real upstream clients: it
joins `latchkey serve` next to tailscaled nodes and they see each other;
after `tailscale lock init` on a real node it bootstraps and follows the
lock, and its verdict for every peer agrees with what the real client's
`tailscale lock status` lists as filtered; a node signed by `tailscale lock
sign` becomes authorized in its view. Against upstream's own test control
server it joins and bootstraps the lock through upstream's RPC handlers."""

from __future__ import annotations

import json
import re
import subprocess

import harness
from harness import wait_until


def lock_status_json(c) -> dict:
    return json.loads(c.run("lock", "status", "--json").stdout)


def lock_key(c) -> str:
    m = re.search(r"tailnet-lock key: (tlpub:[0-9a-f]{64})", c.run("lock", "status").stdout)
    assert m
    return m.group(1)


def running(node) -> bool:
    s = node.status(check=False)
    return bool(s) and s["backend_state"] == "running"


def test_our_client_and_real_clients_agree_on_every_lock_verdict(server, tailnet, clients, latchkey_nodes):
    a, b = tailnet("mix", "alpha", "bravo")
    key = server.create_key("mix", "--reusable")
    ours = latchkey_nodes("ours", server.url, key)
    wait_until(lambda: running(ours) and ours.peer("alpha") and ours.peer("bravo"), 60,
               "our client to join and see alpha and bravo")
    wait_until(lambda: (a.peer("ours") or {}).get("Online"), 60, "alpha to see our client online")
    s = ours.status()
    assert s["lock"]["state"] == "off"
    assert all(p["lock_verdict"] == "none" for p in s["peers"])

    # `tailscale lock init` signs every node it is told of, ours included
    # (its lock key went with its registration).
    key_a = lock_key(a)
    a.run("lock", "init", "--gen-disablements", "1", "--confirm", key_a, timeout=120)
    wait_until(lambda: lock_status_json(a)["Enabled"], 60, "alpha to see the lock enabled")
    head = lock_status_json(a)["Head"]
    wait_until(lambda: ours.status()["lock"]["head"] == head, 60, "our client to bootstrap the lock to alpha's head")
    wait_until(lambda: ours.verdicts() == {"alpha": "authorized", "bravo": "authorized"}, 60,
               "our client to see alpha and bravo authorized")
    s = ours.status()
    assert s["self"]["lock_verdict"] == "authorized"
    assert [k["key"] for k in s["lock"]["trusted_keys"]] == [key_a]
    assert s["lock"]["state"] == "active" and s["lock"]["enabled"], s["lock"]

    # Nodes that join now are unsigned: a real one and one of ours.
    c = clients("charlie")
    c.up(server, key)
    late = latchkey_nodes("late", server.url, key)
    wait_until(lambda: running(late), 60, "the second client of ours to join")

    def filtered_by_alpha() -> set[str]:
        return {p["NodeKey"] for p in (lock_status_json(a).get("FilteredPeers") or [])}

    wait_until(lambda: len(filtered_by_alpha()) == 2, 60, "alpha to filter charlie and late")
    wait_until(lambda: ours.verdicts().get("charlie") == "unsigned" and ours.verdicts().get("late") == "unsigned",
               60, "our client to judge charlie and late unsigned")
    # Node by node, on the peers both see: refused by ours <=> filtered by alpha.
    s = ours.status()
    filtered = filtered_by_alpha()
    for p in s["peers"]:
        if p["name"].split(".")[0] == "alpha":
            continue
        assert (p["lock_verdict"] != "authorized") == (p["node_key"] in filtered), (p, filtered)
    assert all(p["exposed"] for p in s["peers"]), "verify-and-log admits every peer"
    assert s["lock"]["would_reject_total"] >= 2, s["lock"]

    # `tailscale lock sign` of our late node, with the keys it reports.
    ls = late.status()
    assert ls["self"]["lock_verdict"] == "unsigned", ls["self"]
    a.run("lock", "sign", ls["self"]["node_key"], ls["lock"]["nl_public"])
    wait_until(lambda: ours.verdicts().get("late") == "authorized", 60, "our client to see late authorized")
    wait_until(lambda: a.peer("late") is not None, 60, "alpha to see late once signed")
    wait_until(lambda: late.status()["self"]["lock_verdict"] == "authorized", 60, "late to see itself signed")
    assert ours.verdicts()["charlie"] == "unsigned"


def test_enforce_hides_what_the_lock_refuses(server, tailnet, latchkey_nodes):
    a, = tailnet("strict", "alpha")
    key = server.create_key("strict", "--reusable")
    strict = latchkey_nodes("strict", server.url, key, "--tka-enforce")
    wait_until(lambda: running(strict) and strict.peer("alpha"), 60, "our enforcing client to join")
    a.run("lock", "init", "--gen-disablements", "1", "--confirm", lock_key(a), timeout=120)
    wait_until(lambda: strict.verdicts() == {"alpha": "authorized"}, 60, "alpha authorized")
    late = latchkey_nodes("late", server.url, key)
    wait_until(lambda: strict.verdicts().get("late") == "unsigned", 60, "late judged unsigned")
    s = strict.status()
    assert s["lock"]["mode"] == "enforce"
    assert {p["name"].split(".")[0]: p["exposed"] for p in s["peers"]} == {"alpha": True, "late": False}
    assert s["lock"]["rejected_total"] >= 1
    out = subprocess.run([harness.LATCHKEY, "status", f"--state={strict.state}"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out
    assert "unsigned" in out.stdout and "late" in out.stdout, out.stdout
    late.stop()


def test_our_client_logs_in_interactively_and_again_with_its_stored_key(server, latchkey_nodes):
    server.create_user("bob")
    ours = latchkey_nodes("inter", server.url)

    def login_url() -> str:
        m = re.search(r"^\s+(https?://\S+/register/(\S+))$", ours.log.read_text(errors="replace"), re.M)
        return m.group(2) if m else ""
    wait_until(lambda: login_url() != "", 30, "latchkey up to print its login URL")
    assert ours.status()["backend_state"] == "needs_login"
    assert ours.status()["auth_url"].endswith("/register/" + login_url())
    server.admin("nodes", "register", "--user", "bob", login_url())
    wait_until(lambda: running(ours), 60, "our client to run once approved")
    node = server.node_by_hostname("inter")
    assert node["register_method"] == "interactive"
    # A restart logs in with the stored node key: no new login, same node.
    key = ours.status()["self"]["node_key"]
    ours.stop()
    ours.start()
    wait_until(lambda: running(ours), 60, "our client to run again")
    assert ours.status()["self"]["node_key"] == key
    assert len([n for n in server.nodes() if n["hostname"] == "inter"]) == 1


def test_logout_from_the_cli_expires_the_node_and_ends_latchkey_up(server, tailnet, latchkey_nodes):
    watcher, = tailnet("lou", "watcher")
    key = server.create_key("lou", "--reusable")
    ours = latchkey_nodes("leaver", server.url, key)
    wait_until(lambda: running(ours) and ours.peer("watcher"), 60, "our client to join")
    wait_until(lambda: (watcher.peer("leaver") or {}).get("Online"), 60, "watcher to see our client online")
    out = subprocess.run([harness.LATCHKEY, "logout", f"--state={ours.state}"], capture_output=True, text=True,
                         timeout=90)
    assert out.returncode == 0, out
    assert "Logged out." in out.stdout, out.stdout
    # `latchkey up` ends by itself, successfully.
    wait_until(lambda: not ours.proc.running(), 30, "latchkey up to exit after the logout")
    assert ours.proc.popen.returncode == 0, harness.tail(ours.log, 30)
    assert "logged out, exiting" in ours.log.read_text(errors="replace")
    # The server expired the node, and the real client sees its key expired.
    assert server.node_by_hostname("leaver")["expired"] is True
    wait_until(lambda: (watcher.peer("leaver") or {}).get("Expired"), 60, "watcher to see the key expired")
    # The state keeps the machine: the next start logs in anew (the
    # reusable key re-authorises the same node).
    again = latchkey_nodes("leaver", server.url, key)
    wait_until(lambda: running(again), 60, "our client to log in again")
    assert server.node_by_hostname("leaver")["expired"] is False
    # And with nothing running, logout says so.
    again.stop()
    out = subprocess.run([harness.LATCHKEY, "logout", f"--state={again.state}"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode != 0 and "no latchkey up is running" in out.stderr, out


class UpstreamControl:
    """Upstream's test control server (tests/interop/upstream testcontrol)."""

    def __init__(self, root, *flags):
        self.log = root / "testcontrol.log"
        self.proc = harness.Process("testcontrol", [harness.HELPER, "testcontrol", "--listen", "127.0.0.1:0", *flags],
                                    self.log)
        self.url = ""

    def start(self):
        self.proc.start()

        def listening():
            self.proc.check_alive()
            m = re.search(r"listening (http://\S+)", self.log.read_text(errors="replace"))
            if m:
                self.url = m.group(1)
            return bool(m)
        wait_until(listening, 30, "testcontrol to listen")


# The capability version of the newest pinned tailscale (upstream's test
# control refuses lock RPCs of any other version).
def upstream_capability_version() -> str:
    r = harness.UpstreamHelper.run("capability-version")
    assert r.returncode == 0, r
    return r.stdout.strip()


def test_our_client_joins_upstreams_test_control_and_bootstraps_its_lock(test_dir, clients, latchkey_nodes, logs):
    tc = UpstreamControl(test_dir, "--tailnet-lock-cap", f"--derp-port={harness.DERP_PORT}",
                         f"--stun-port={harness.STUN_PORT}")
    logs.append(tc.proc)
    tc.start()
    try:
        a = clients("alpha")
        a.run("up", f"--login-server={tc.url}", "--hostname=alpha", "--accept-dns=false", "--timeout=60s", timeout=90)
        capver = upstream_capability_version()
        ours = latchkey_nodes("ours", tc.url, "", f"--capability-version={capver}")
        wait_until(lambda: running(ours) and ours.peer("alpha"), 60, "our client to join testcontrol")
        key_a = lock_key(a)
        a.run("lock", "init", "--gen-disablements", "1", "--confirm", key_a, timeout=120)
        # testcontrol does not wake map streams on init: a new stream (our
        # client restarted, state kept) gets the lock's TKAInfo.
        ours.stop()
        ours.start()
        wait_until(lambda: running(ours) and ours.status()["lock"]["state"] == "active", 60,
                   "our client to bootstrap the lock from testcontrol")
        s = ours.status()
        assert [k["key"] for k in s["lock"]["trusted_keys"]] == [key_a]
        assert s["lock"]["last_sync_error"] == "", s["lock"]
        wait_until(lambda: ours.verdicts().get("alpha") == "authorized", 60, "alpha authorized")
        assert s["self"]["lock_verdict"] == "authorized", s["self"]
    finally:
        tc.proc.stop()
