"""Scenario 4: two real clients reach each other through the netmap latchkey
gave them: `tailscale ping` succeeds over loopback (directly, or through the
loopback DERP relay in the served DERP map)."""

from __future__ import annotations

import re

from harness import wait_until


def test_two_clients_ping_each_other(tailnet):
    a, b = tailnet("erin", "ping-a", "ping-b")
    for x, y in ((a, b), (b, a)):
        target = y.ips()[0]

        def pong(x=x, target=target):
            r = x.run("ping", "--c=3", "--timeout=5s", "--until-direct=false", target, check=False, timeout=30)
            return r.returncode == 0 and re.search(rf"pong from {y.name} \({re.escape(target)}\)", r.stdout)
        wait_until(pong, 60, f"{x.name} to get a pong from {y.name}", interval=0.5)
        # A WireGuard-level ping too: the tunnel between them really carries packets.
        r = x.run("ping", "--tsmp", "--c=3", "--timeout=5s", target, check=False, timeout=30)
        assert r.returncode == 0 and "pong from" in r.stdout, r.stdout + r.stderr
