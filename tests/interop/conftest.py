"""Fixtures of the interop suite: a latchkey server per test on each database
backend, the shared PostgreSQL server and DERP relay, and a factory of real
upstream clients. Every process a fixture starts, it stops; when a test
fails, the tail of each process's log is printed with the failure."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile

import pytest

import harness


def pytest_configure(config):
    missing = [what for what, path in (("LATCHKEY_BIN", harness.LATCHKEY),
                                       ("LATCHKEY_INTEROP_VERSIONS", harness.NEWEST)) if not path]
    if missing:
        raise pytest.UsageError(f"interop: {', '.join(missing)} not set (run the suite with scripts/interop)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


@pytest.fixture(scope="session")
def suite_dir():
    d = pathlib.Path(tempfile.mkdtemp(prefix="latchkey-interop-"))
    # The postgres account must reach its directory below this one.
    os.chmod(d, 0o755)
    yield d
    if os.environ.get("LATCHKEY_INTEROP_KEEP"):
        print(f"\ninterop: logs kept in {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(suite_dir):
    cluster = harness.PostgresCluster(suite_dir / "postgres")
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session", autouse=True)
def derper(suite_dir):
    relay = harness.Derper(suite_dir)
    relay.start()
    yield relay
    relay.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


_test_count = 0


@pytest.fixture
def test_dir(suite_dir, request):
    """A short directory per test (unix socket paths are limited to 107
    bytes); its TEST file names the test."""
    global _test_count
    _test_count += 1
    d = suite_dir / f"t{_test_count:02d}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "TEST").write_text(request.node.nodeid + "\n")
    return d


@pytest.fixture
def logs(request):
    """Processes whose log tails are shown when the test fails."""
    procs: list[harness.Process] = []
    yield procs
    if getattr(request.node, "failed_call", False):
        for p in procs:
            print(f"\n===== {p.name}: {p.log} =====\n{harness.tail(p.log, 80)}")


def _started(factory, logs):
    """A fixture body: yields make(*args) that builds a process with
    `factory`, starts it and keeps it for the log tails; stops them all at
    the end."""
    started = []

    def make(*args, **kwargs):
        p = factory(len(started), *args, **kwargs)
        started.append(p)
        logs.append(p.proc)
        p.start()
        return p
    yield make
    for p in started:
        p.stop()


@pytest.fixture
def make_server(request, backend, test_dir, logs):
    """make_server(**options) -> a started LatchkeyServer on this test's
    backend (a fresh database each time)."""
    def factory(n, **options):
        dsn = request.getfixturevalue("postgres").create_database() if backend == "postgres" else None
        return harness.LatchkeyServer(test_dir / f"server{n}", backend, dsn, **options)
    yield from _started(factory, logs)


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def clients(test_dir, logs):
    """clients(name, version=newest) -> a started Tailscaled."""
    yield from _started(lambda n, name, version="": harness.Tailscaled(test_dir, name, version), logs)


@pytest.fixture
def latchkey_nodes(test_dir, logs):
    """latchkey_nodes(name, login_server, authkey="", *extra) -> a started
    LatchkeyNode (our client)."""
    yield from _started(lambda n, *args: harness.LatchkeyNode(test_dir, *args), logs)


@pytest.fixture
def tailnet(server, clients):
    """tailnet(user, *names) -> Tailscaled clients of `names`, joined with
    one reusable pre-auth key of a new user, each seeing every other one
    online."""
    def make(user: str, *names: str) -> list[harness.Tailscaled]:
        server.create_user(user)
        key = server.create_key(user, "--reusable")
        joined = [clients(n) for n in names]
        for c in joined:
            c.up(server, key)
        for c in joined:
            others = [o.name for o in joined if o is not c]
            try:
                harness.wait_until(lambda c=c, others=others: all((c.peer(o) or {}).get("Online") for o in others),
                                   60, f"{c.name} to see {others} online")
            except AssertionError as e:
                raise AssertionError(f"{e}; {_tailnet_state(server, joined)}") from None
        return joined
    return make


def _tailnet_state(server, joined) -> str:
    """One line on what each client sees and what the server sent, for a
    failure message (the last line of a CI log, where it is always seen)."""
    parts = []
    for c in joined:
        try:
            seen = {p.get("HostName"): p.get("Online") for p in c.peers()}
            parts.append(f"{c.name} ({c.backend_state()}) sees {seen}")
        except Exception as e:  # noqa: BLE001 - a diagnostic, best effort
            parts.append(f"{c.name}: status failed: {e!r}")
    try:
        wanted = ("latchkey_map_streams ", "latchkey_map_batches_total ", "latchkey_map_responses_total")
        parts.append("server: " + ", ".join(line for line in server.metrics().splitlines() if line.startswith(wanted)))
    except Exception as e:  # noqa: BLE001
        parts.append(f"server metrics failed: {e!r}")
    return "; ".join(parts)
