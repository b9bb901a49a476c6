"""Scenario 8: /ts2021 over WebSocket as upstream's browser client dials it
(handshake in the X-Tailscale-Handshake query parameter, the
tailscale-control-protocol subprotocol, binary messages): our Go helper
(tests/interop/upstream, upstream's controlbase + net/wsconn) registers and
fetches a map over HTTP/2 inside, over plain HTTP and over TLS."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import UpstreamHelper


def self_signed(dirpath):
    cert, key = dirpath / "tls.crt", dirpath / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_websocket_client_registers_and_maps(make_server, test_dir, tls):
    opts = {"tls": self_signed(test_dir)} if tls else {}
    server = make_server(**opts)
    server.create_user("ivy")
    key = server.create_key("ivy", "--reusable")

    def login(hostname):
        args = ["ws-login", "--server", server.url, "--authkey", key, "--hostname", hostname]
        if tls:
            args += ["--ca-file", str(opts["tls"][0])]
        return UpstreamHelper.run(*args)
    first = login("browser")
    assert first.returncode == 0, first.stdout + first.stderr
    one = json.loads(first.stdout)
    node = server.node_by_hostname("browser")
    assert one["node_key"] == node["node_key"]
    assert sorted(one["addresses"]) == sorted(a + ("/32" if "." in a else "/128") for a in (node["ipv4"], node["ipv6"]))
    assert one["peers"] == []
    # A second browser client sees the first as a peer in its map.
    second = login("browser2")
    assert second.returncode == 0, second.stdout + second.stderr
    two = json.loads(second.stdout)
    assert [p.split(".")[0] for p in two["peers"]] == ["browser"], two
    assert sorted(n["hostname"] for n in server.nodes()) == ["browser", "browser2"]
