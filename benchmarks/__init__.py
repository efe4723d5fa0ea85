"""`make bench`: throughput and latency of a real Talon server process.

Run with ``python -m benchmarks`` (``--help`` for options). The benchmark starts its own
``talon serve`` on a free loopback port with a temporary database, drives it over HTTP and
Socket.IO from this process, stops it, prints a results table and exits non-zero if a target
is missed. Nothing leaves 127.0.0.1.

Modules: ``harness`` (the server under test), ``cycles`` (ticket cycles per second),
``listeners`` (Socket.IO board clients in child processes), ``realtime`` (call→event latency,
HTTP while many Socket.IO clients stay connected), ``stats`` (percentiles, result rows and
targets), ``run`` (the whole run and its report). Results: BENCHMARKS.md.
"""
