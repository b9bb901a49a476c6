"""Scenario 3: changes made on the server (rename, expire, delete) and on a
client (a new hostname) reach the other real clients' netmaps."""

from __future__ import annotations

from harness import wait_until


def test_rename_expire_delete_and_hostname_reach_peers(server, tailnet):
    a, b, c = tailnet("dave", "alpha", "bravo", "charlie")
    domain = a.status()["MagicDNSSuffix"]

    # Rename on the server: the peers' MagicDNS name follows.
    bravo = server.node_by_hostname("bravo")
    server.admin("nodes", "rename", str(bravo["id"]), "renamed-bravo")
    for c_ in (a, c):
        wait_until(lambda c_=c_: (c_.peer("bravo") or {}).get("DNSName") == f"renamed-bravo.{domain}.", 30,
                   f"{c_.name} to see bravo renamed")
    wait_until(lambda: b.status()["Self"]["DNSName"] == f"renamed-bravo.{domain}.", 30, "bravo to see its own name")

    # A client's new hostname reaches the others.
    c.run("set", "--hostname=charlie-2")
    for c_ in (a, b):
        wait_until(lambda c_=c_: c_.peer("charlie-2") is not None and c_.peer("charlie") is None, 30,
                   f"{c_.name} to see charlie's new hostname")
    wait_until(lambda: server.node_by_hostname("charlie-2"), 30, "nodes list to show charlie-2")

    # Expiry: the peers see the node expired; the node itself must log in again.
    alpha = server.node_by_hostname("alpha")
    server.admin("nodes", "expire", str(alpha["id"]))
    for c_ in (b, c):
        wait_until(lambda c_=c_: (c_.peer("alpha") or {}).get("Expired") is True, 30,
                   f"{c_.name} to see alpha expired")
    wait_until(lambda: a.backend_state() == "NeedsLogin", 60, "alpha to need a new login")

    # Deletion: the peers drop the node.
    charlie = server.node_by_hostname("charlie-2")
    server.admin("nodes", "delete", str(charlie["id"]))
    for c_ in (a, b):
        wait_until(lambda c_=c_: c_.peer("charlie-2") is None, 30, f"{c_.name} to drop charlie")
    assert {n["hostname"] for n in server.nodes()} == {"alpha", "bravo"}
