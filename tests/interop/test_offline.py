"""Scenario 7: a client that exits is shown offline at its peers within
seconds, and an ephemeral node is removed after the configured inactivity
timeout (5 s in the harness's server config), not minutes later."""

from __future__ import annotations

import signal
import time

import pytest

from harness import wait_until


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["exit", "killed"])
def test_exited_client_is_offline_at_peers_within_seconds(tailnet, how):
    a, b = tailnet("gina", "stays", "leaves")
    start = time.monotonic()
    b.stop(how)
    wait_until(lambda: (a.peer("leaves") or {"Online": True}).get("Online") is False, 10,
               "stays to see leaves offline")
    print(f"offline seen after {time.monotonic() - start:.2f} s")


def test_ephemeral_node_is_removed_after_the_inactivity_timeout(server, clients):
    server.create_user("hank")
    key = server.create_key("hank", "--reusable")
    ekey = server.create_key("hank", "--ephemeral")
    a, e = clients("permanent"), clients("ephemeral")
    a.up(server, key)
    e.up(server, ekey)
    wait_until(lambda: (a.peer("ephemeral") or {}).get("Online"), 60, "permanent to see the ephemeral node")
    assert server.node_by_hostname("ephemeral")["ephemeral"] is True
    start = time.monotonic()
    e.stop(signal.SIGKILL)
    # Removed after the 5 s timeout: not before, and not long after.
    wait_until(lambda: all(n["hostname"] != "ephemeral" for n in server.nodes()), 15,
               "the ephemeral node to be removed")
    elapsed = time.monotonic() - start
    assert elapsed >= 4.5, f"removed after {elapsed:.1f} s, before the 5 s timeout"
    wait_until(lambda: a.peer("ephemeral") is None, 10, "permanent to drop the ephemeral peer")
    print(f"ephemeral node removed after {elapsed:.2f} s")
