"""Tailnet Lock with real clients: `tailscale lock init` on one node enables
the lock on every node; a node that joins afterwards is locked out (absent
from its peers' netmaps, listed as filtered) until `tailscale lock sign`;
the lock survives a server restart; `tailscale lock disable` switches it off
everywhere. Clients of every pinned version take part."""

from __future__ import annotations

import re

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
