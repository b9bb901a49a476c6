"""Tailnet Lock with real clients: `tailscale lock init` on one node enables
the lock on every node; a node that joins afterwards is locked out (absent
from its peers' netmaps, listed as filtered) until `tailscale lock sign`;
the lock survives a server restart; `tailscale lock disable` switches it off
everywhere. Clients of every pinned version take part."""

from __future__ import annotations

import base64
import json
import re
import subprocess

import harness
from harness import wait_until


def lock_status(c) -> str:
    return c.run("lock", "status").stdout


def enabled(c) -> bool:
    # "Tailnet Lock is ENABLED." (1.102), "Tailnet lock is ENABLED." (1.80)
    return re.search(r"tailnet lock is enabled", lock_status(c), re.I) is not None


def lock_key(c) -> str:
    m = re.search(r"tailnet-lock key: (tlpub:[0-9a-f]{64})", lock_status(c))
    assert m, lock_status(c)
    return m.group(1)


def accessible(c) -> bool:
    return "accessible under tailnet lock" in lock_status(c).lower()


def filtered(c) -> str:
    """The part of `lock status` listing locked-out peers."""
    text = lock_status(c)
    marker = "locked out by tailnet lock and cannot connect"
    at = text.lower().find(marker)
    return text[at:] if at >= 0 else ""


def test_lock_init_sign_restart_and_disable(server, tailnet, clients):
    # The first two nodes run the newest client; the one that joins later
    # the oldest pinned version.
    a, b = tailnet("lock", "alpha", "bravo")
    key_a = lock_key(a)

    out = a.run("lock", "init", "--gen-disablements", "1", "--confirm", key_a, timeout=120).stdout
    m = re.search(r"disablement-secret:([0-9A-F]{64})", out)
    assert m, out
    secret = m.group(1)

    for c in (a, b):
        wait_until(lambda c=c: enabled(c), 60, f"{c.name} to see the lock enabled")
        wait_until(lambda c=c: accessible(c), 60, f"{c.name} to be signed")
    assert key_a in lock_status(b)  # the trusted key, as every node sees it

    # A node that joins now is unsigned: its peers filter it out.
    key = server.create_key("lock", "--reusable")
    c = clients("charlie", harness.VERSIONS[-1])
    c.up(server, key)
    wait_until(lambda: enabled(c), 60, "charlie to see the lock enabled")
    wait_until(lambda: "charlie" in filtered(a), 60, "alpha to list charlie as locked out")
    assert a.peer("charlie") is None
    assert not accessible(c)

    # `tailscale lock sign` with the command charlie itself prints.
    m = re.search(r"tailscale lock sign (nodekey:[0-9a-f]{64}) (tlpub:[0-9a-f]{64})", lock_status(c))
    assert m, lock_status(c)
    a.run("lock", "sign", m.group(1), m.group(2))
    wait_until(lambda: a.peer("charlie") is not None, 60, "alpha to see charlie once signed")
    wait_until(lambda: accessible(c), 60, "charlie to see itself signed")
    wait_until(lambda: b.peer("charlie") is not None, 60, "bravo to see charlie once signed")

    # The lock and the signatures survive a restart of the server.
    server.stop()
    server.start()
    b.run("set", "--hostname=bravo-2")
    wait_until(lambda: a.peer("bravo-2") is not None, 90, "alpha to see bravo's new name after the restart")
    for n in (a, b, c):
        assert enabled(n), lock_status(n)
    assert a.peer("charlie") is not None

    # Disabling with the secret switches it off on every node.
    a.run("lock", "disable", f"disablement-secret:{secret}")
    for n in (a, b, c):
        wait_until(lambda n=n: not enabled(n), 60, f"{n.name} to see the lock disabled")


def status_json(c) -> dict:
    """`lock status --json` of a v1.102.5 client (schema 1)."""
    return json.loads(c.run("lock", "status", "--json").stdout)


def trusted(c) -> set[str]:
    return {k["Public"] for k in status_json(c).get("TrustedKeys") or []}


def head(c) -> str:
    return status_json(c).get("Head", "")


def node_key(c) -> str:
    return c.status()["Self"]["PublicKey"]


def visible(c, peer) -> bool:
    """Whether c has `peer`, with its current node key, among its peers: under
    the lock a client drops a peer whose signature does not verify. (`lock
    status --json`'s VisiblePeers is no guide: clients of 1.102 take peers
    that arrive in map deltas into their peer table, filtered by the lock,
    but not into the netmap that list is made from.)"""
    nk = node_key(peer)
    return any(p.get("PublicKey") == nk for p in c.peers())


def wait_visible(c, peer, what: str):
    try:
        wait_until(lambda: visible(c, peer), 60, what)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{peer.name} is {node_key(peer)}; {c.name}'s peers: "
                             f"{[(p.get('HostName'), p.get('PublicKey')) for p in c.peers()]}; lock status: "
                             f"{json.dumps(status_json(c), indent=1)}") from None


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_lock_add_remove_wrapped_key_rotation_and_upstream_replay(server, tailnet, clients, tmp_path):
    a, b = tailnet("lock2", "alpha", "bravo")
    key_a, key_b = lock_key(a), lock_key(b)
    a.run("lock", "init", "--gen-disablements", "1", "--confirm", key_a, timeout=120)
    for c in (a, b):
        wait_until(lambda c=c: accessible(c), 60, f"{c.name} to be signed")

    # `lock add`: bravo's key becomes trusted on every node.
    a.run("lock", "add", key_b)
    for c in (a, b):
        wait_until(lambda c=c: trusted(c) == {key_a, key_b}, 60, f"{c.name} to trust alpha's and bravo's keys")

    # A wrapped pre-auth key: `lock sign tskey-auth-…` adds a credential key
    # and prints the key with a signing credential; the node that joins with
    # it signs its own node key and is a peer at once.
    plain = server.create_key("lock2")
    wrapped = a.run("lock", "sign", plain).stdout.strip().splitlines()[-1]
    assert wrapped.startswith(plain + "--TL"), wrapped
    d = clients("delta")
    d.up(server, wrapped)
    wait_until(lambda: accessible(d), 60, "delta (wrapped pre-auth key) to be signed")
    wait_visible(a, d, "alpha to see delta as a lock-verified peer")
    assert len(trusted(a)) == 3  # alpha, bravo, the credential

    # A node signed by bravo's key, with a rotation key of its own.
    e = clients("echo")
    e.up(server, server.create_key("lock2"))
    wait_until(lambda: "echo" in filtered(a), 60, "alpha to list echo as locked out")
    m = re.search(r"tailscale lock sign (nodekey:[0-9a-f]{64}) (tlpub:[0-9a-f]{64})", lock_status(e))
    assert m, lock_status(e)
    b.run("lock", "sign", m.group(1), m.group(2))
    wait_visible(a, e, "alpha to see echo once bravo signed it")

    # `lock remove` re-signs what bravo's key signed (affected-sigs, sign),
    # then removes the key: echo stays a verified peer.
    before = head(a)
    a.run("lock", "remove", key_b, timeout=120)
    for c in (a, b):
        wait_until(lambda c=c: key_b not in trusted(c) and head(c) != before, 60,
                   f"{c.name} to see bravo's key removed")
    wait_visible(a, e, "alpha to keep echo (re-signed) after the removal")
    assert "echo" not in filtered(a)

    # Node-key rotation of a signed node: the server hands back the old
    # signature, the client re-signs its new node key with its rotation key.
    old = node_key(e)
    e.run("up", f"--login-server={server.url}", "--hostname=echo", "--accept-dns=false", "--timeout=60s",
          "--force-reauth", timeout=90)
    wait_until(lambda: node_key(e) != old, 60, "echo to have a new node key")
    wait_visible(a, e, "alpha to see echo's new node key as signed")
    assert accessible(e)

    # What the server holds (`latchkey lock log --json`, the AUMs as stored)
    # is what the clients hold (`tailscale lock log`), and upstream's tka
    # (tka-check) and ours (tka-replay) replay it to the head and keys every
    # node shows.
    log = json.loads(a.run("lock", "log", "--json", "--limit", "100").stdout)["Messages"]
    assert [m["Hash"] for m in log] == [m["Hash"] for m in json.loads(
        b.run("lock", "log", "--json", "--limit", "100").stdout)["Messages"]]
    kinds = [m["AUM"]["MessageKind"] for m in log]
    assert kinds[-1] == "checkpoint" and "add-key" in kinds and "remove-key" in kinds, kinds
    held = server.admin("lock", "log", "--limit", "100", parse_json=True)
    assert [m["hash"] for m in held] == [m["Hash"] for m in log]
    # (upstream's `lock log` writes Raw in URL-safe base64, ours in standard)
    assert [b64(m["raw"]) for m in held] == [b64(m["Raw"]) for m in log]
    replay = {"genesis": b64(held[-1]["raw"]).hex(), "aums": [b64(m["raw"]).hex() for m in reversed(held[:-1])],
              "node_keys": []}
    path = tmp_path / "served.json"
    path.write_text(json.dumps(replay))
    go = harness.UpstreamHelper.run("tka-check", str(path))
    ours = subprocess.run([harness.LATCHKEY, "debug", "tka-replay", str(path)], capture_output=True, text=True)
    assert go.returncode == 0, go.stdout + go.stderr
    assert (ours.returncode, ours.stdout) == (go.returncode, go.stdout)
    replayed = json.loads(go.stdout)
    for c in (a, b, d, e):
        assert head(c) == replayed["head"] == log[0]["Hash"]
        assert {"tlpub:" + k["id"] for k in replayed["keys"]} == trusted(c)
