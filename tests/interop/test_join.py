"""Scenarios 1, 2 and 5: real upstream clients join a latchkey tailnet with a
pre-auth key or an interactively approved login, of the newest and older
releases, and each sees the others with the addresses latchkey assigned."""

from __future__ import annotations

import re
import subprocess
import threading

import harness
from harness import wait_until


def addresses(node: dict) -> list[str]:
    return [a for a in (node["ipv4"], node["ipv6"]) if a]


def assert_tailnet_converges(server, clients_list, timeout=60):
    """Every client is Running with the addresses `latchkey nodes list`
    shows, and sees every other client as an online peer with its
    addresses."""
    wait_until(lambda: len(server.nodes()) == len(clients_list), 30, f"{len(clients_list)} nodes in nodes list")
    by_host = {n["hostname"]: n for n in server.nodes()}
    for c in clients_list:
        node = by_host[c.name]
        assert c.backend_state() == "Running", c.name
        assert sorted(c.ips()) == sorted(addresses(node)), f"{c.name}: {c.ips()} vs {node}"

        def sees_all(c=c):
            peers = {p["HostName"]: p for p in c.peers()}
            for other in clients_list:
                if other is c:
                    continue
                p = peers.get(other.name)
                if p is None or not p.get("Online"):
                    return False
                assert sorted(p["TailscaleIPs"]) == sorted(addresses(by_host[other.name])), (c.name, p)
            return True
        wait_until(sees_all, timeout, f"{c.name} to see every other client online")


def test_three_clients_join_with_a_preauth_key(server, clients):
    server.create_user("alice")
    key = server.create_key("alice", "--reusable")
    nodes = [clients(f"node{i}") for i in range(3)]
    for c in nodes:
        c.up(server, key)
    assert_tailnet_converges(server, nodes)
    listed = server.nodes()
    assert {n["user"] for n in listed} == {"alice"}
    assert len({n["ipv4"] for n in listed}) == 3


def test_interactive_login_is_approved_with_nodes_register(server, clients):
    server.create_user("bob")
    c = clients("laptop")
    up = subprocess.Popen([harness.tailscale_bin(c.version, "tailscale"), f"--socket={c.socket}", "up",
                           f"--login-server={server.url}", "--hostname=laptop", "--accept-dns=false"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=c.env)
    seen: list[str] = []
    url_found = threading.Event()
    url_holder: list[str] = []

    def read_output():
        for line in up.stdout:
            seen.append(line)
            m = re.search(r"(https?://\S+/register/(\S+))", line)
            if m and not url_found.is_set():
                url_holder.append(m.group(2))
                url_found.set()
    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        assert url_found.wait(60), f"tailscale up printed no login URL: {''.join(seen)}"
        auth_id = url_holder[0]
        assert c.backend_state() == "NeedsLogin"
        out = server.admin("nodes", "register", "--user", "bob", auth_id)
        assert out.startswith(f"approved registration {auth_id} for user bob"), out
        assert up.wait(60) == 0, "".join(seen)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    wait_until(lambda: c.backend_state() == "Running", 30, "laptop to reach Running")
    node = server.node_by_hostname("laptop")
    assert node["user"] == "bob"
    assert node["register_method"] == "interactive"
    assert sorted(c.ips()) == sorted(addresses(node))


def test_old_and_new_clients_share_a_tailnet(server, clients):
    assert len(harness.VERSIONS) >= 3, harness.VERSIONS
    server.create_user("carol")
    key = server.create_key("carol", "--reusable")
    nodes = [clients("v" + v.lstrip("v").replace(".", "-"), v) for v in harness.VERSIONS]
    for c in nodes:
        c.up(server, key)
    assert_tailnet_converges(server, nodes)
    # Each client really is the version it claims to be.
    for c in nodes:
        assert c.status()["Version"].startswith(c.version.lstrip("v")), (c.version, c.status()["Version"])
