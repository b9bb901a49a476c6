"""Scenario 6: `latchkey serve` is restarted (SIGTERM, then kill -9); every
real client reconnects by itself, keeps its addresses, and nothing
registered is lost."""

from __future__ import annotations

import signal

from harness import wait_until


def snapshot(server):
    return sorted((n["id"], n["hostname"], n["ipv4"], n["ipv6"], n["node_key"]) for n in server.nodes())


def test_clients_reconnect_after_restarts(server, tailnet):
    a, b = tailnet("frank", "restart-a", "restart-b")
    before = snapshot(server)
    ips = {c.name: sorted(c.ips()) for c in (a, b)}

    for round_, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
        rc = server.stop(sig)
        assert rc == (0 if sig == signal.SIGTERM else -signal.SIGKILL), rc
        server.start()
        assert snapshot(server) == before
        # Both clients reconnect on their own: a change made by each one now
        # reaches the other, which needs both map streams back.
        for x, y in ((a, b), (b, a)):
            new_name = f"{x.name}-r{round_}"
            x.run("set", f"--hostname={new_name}")
            wait_until(lambda y=y, n=new_name: (y.peer(n) or {}).get("Online"), 90,
                       f"{y.name} to see {new_name} online after restart {round_}")
            x.name = new_name
        for c in (a, b):
            assert c.backend_state() == "Running"
            assert sorted(c.ips()) == list(ips.values())[(a, b).index(c)]
        before = snapshot(server)
        assert len(before) == 2
