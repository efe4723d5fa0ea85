"""The whole benchmark: start a server, run every measure, print the table, judge the targets.

Targets (issue "make bench", for the 2-core reference machine):

- at least 300 full ticket cycles per second with 8 concurrent HTTP clients;
- call→event latency p99 at most 50 ms, seen by each of 50 connected Socket.IO clients;
- with 100 Socket.IO clients connected, HTTP still served promptly (read here as p99 of
  health, snapshot and new-connection health at most 50 ms, no failed request) and all
  100 clients still connected and still receiving events;
- reports (``benchmarks.reports``) on a year of history at 1,000 tickets a day: one day at
  most 50 ms, 365 days at most 1 s, peak memory flat in the number of tickets;
- the expected wait (``benchmarks.prediction``) on a busy morning with four weeks of history:
  one ticket's, every service's, and a whole ticket issue each at most 50 ms p99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import sys
import time

from benchmarks.cycles import CycleResult, run_cycles
from benchmarks.harness import BenchError, Server
from benchmarks.listeners import EVENT_TIMEOUT
from benchmarks.prediction import measure as measure_prediction
from benchmarks.realtime import (
    HoldResult,
    LatencyResult,
    hold_connections,
    measure_call_latency,
)
from benchmarks.reports import measure as measure_reports
from benchmarks.stats import Report, percentile

CYCLE_CLIENTS = (1, 8, 32)
CYCLES_TARGET_CLIENTS = 8
CYCLES_TARGET = 300.0
LATENCY_LISTENERS = 50
LATENCY_P99_MS = 50.0
HOLD_LISTENERS = 100
HTTP_P99_MS = 50.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per cycle run (default 10)")
    parser.add_argument("--max-cycles", type=int, default=20_000,
                        help="cap on cycles per cycle run (default 20000)")
    parser.add_argument("--calls", type=int, default=250,
                        help="measured calls for the latency run (default 250, at least 200 "
                             "for the target to count)")
    parser.add_argument("--hold", type=float, default=10.0,
                        help="seconds of HTTP probing with 100 clients connected (default 10)")
    parser.add_argument("--quick", action="store_true",
                        help="a short smoke run (2 s runs, 50 calls); targets are still "
                             "checked, but a p99 of 50 calls is noisy")
    parser.add_argument("--reports-only", action="store_true",
                        help="only the reports benchmark (no server)")
    parser.add_argument("--no-reports", action="store_true",
                        help="skip the reports benchmark (a year of history, cached in the "
                             "temporary folder after its first run)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (database, office file, server log)")
    return parser


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _cpu(seconds: float | None, elapsed: float) -> str:
    return "" if seconds is None or not elapsed else f"{100 * seconds / elapsed:.0f}%"


def _cycles_rows(report: Report, result: CycleResult) -> None:
    name = f"cycles/s, {result.clients} client{'s' if result.clients > 1 else ''}"
    note = (f"{result.cycles} cycles in {result.elapsed:.1f} s; cycle p50 "
            f"{_ms(percentile(result.cycle_times, 50)):.1f} ms, p99 "
            f"{_ms(percentile(result.cycle_times, 99)):.1f} ms; CPU server "
            f"{_cpu(result.server_cpu, result.elapsed)}, bench "
            f"{_cpu(result.client_cpu, result.elapsed)}")
    if result.clients == CYCLES_TARGET_CLIENTS:
        report.check(name, result.rate, "cycles/s", at_least=CYCLES_TARGET, note=note, fmt="{:.0f}")
    else:
        report.add(name, f"{result.rate:.0f} cycles/s", note=note)
    for error in result.errors[:5]:
        report.fail(f"{name}: {error}")
    if len(result.errors) > 5:
        report.fail(f"{name}: {len(result.errors) - 5} more errors")


def _latency_rows(report: Report, result: LatencyResult, wanted_calls: int) -> None:
    n = result.listeners
    samples = len(result.latencies)
    report.add(f"call→event p50, {n} clients",
               f"{_ms(percentile(result.latencies, 50)):.1f} ms",
               note=f"{result.calls} calls × {n} clients = {samples} events")
    report.check(f"call→event p99, {n} clients", _ms(percentile(result.latencies, 99)), "ms",
                 at_most=LATENCY_P99_MS,
                 note=(f"max {_ms(max(result.latencies, default=math.nan)):.1f} ms; slowest "
                       f"client per call p99 {_ms(percentile(result.last_arrival, 99)):.1f} ms;"
                       f" call-next HTTP p50 {_ms(percentile(result.http_call, 50)):.1f} ms"))
    if result.calls < min(200, wanted_calls):
        report.fail(f"latency: only {result.calls} calls measured")
    if result.missing:
        report.fail(f"latency: {result.missing} call events never reached a client "
                    f"(waited {EVENT_TIMEOUT:.0f} s)")
    if result.snapshots != n:
        report.fail(f"latency: {result.snapshots} of {n} clients got a snapshot on connect")
    for error in result.errors:
        report.fail(f"latency: {error}")


def _hold_rows(report: Report, result: HoldResult) -> None:
    n = result.listeners
    for name, probe in result.probes.items():
        base = result.baseline.get(name)
        base_note = (f"without Socket.IO clients p50 {_ms(percentile(base.latencies, 50)):.1f}"
                     f" / p99 {_ms(percentile(base.latencies, 99)):.1f} ms" if base else "")
        report.check(f"{name} p99, {n} SIO connected", _ms(percentile(probe.latencies, 99)),
                     "ms", at_most=HTTP_P99_MS,
                     note=f"p50 {_ms(percentile(probe.latencies, 50)):.1f} ms, "
                          f"{len(probe.latencies)} requests; {base_note}")
        for error in (base.errors if base else []) + probe.errors:
            report.fail(f"HTTP while holding: {error}")
    report.add("Socket.IO clients still connected", f"{result.connected_after}/{n}",
               f"{n}/{n}", result.connected_after == n,
               note=f"connected in {result.connect_seconds:.1f} s; {result.disconnects} "
                    f"disconnects; {result.cycles} cycles ran meanwhile")
    report.add("…and got the next call", f"{result.last_call_received}/{n}", f"{n}/{n}",
               result.last_call_received == n)
    if result.connected_after != n or result.disconnects:
        report.fail(f"hold: {result.connected_after}/{n} still connected, "
                    f"{result.disconnects} disconnects")
    if result.last_call_received != n:
        report.fail(f"hold: only {result.last_call_received}/{n} clients got the next call")
    if result.snapshots != n:
        report.fail(f"hold: {result.snapshots} of {n} clients got a snapshot on connect")
    for error in result.errors:
        report.fail(f"hold: {error}")


def _resources(report: Report, server: Server, handles_before: int | None) -> None:
    """Server resources once every client has gone: a leak shows here."""
    handles, threads = server.database_handles(), server.threads()
    if handles is not None and handles_before is not None:
        report.add("server database file handles", f"{handles_before} → {handles}",
                   note="open descriptors on talon.db* at start → after the run")
        if handles - handles_before > 50:
            report.warn(f"the server holds {handles - handles_before} more descriptors on its "
                        "database than at start: SQLite connections of finished request "
                        "threads are never closed (a leak that ends in 'too many open files')")
    if threads is not None:
        report.add("server threads after the run", str(threads),
                   note="right after every client disconnected")


def _say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def _server_rows(report: Report, args: argparse.Namespace) -> None:
    with Server(windows=max(CYCLE_CLIENTS), keep=args.keep) as server:
        _say(f"server up at {server.url} (folder {server.dir})")
        handles_before = server.database_handles()
        keep_alive = server.keeps_alive()
        report.add("HTTP keep-alive", "yes" if keep_alive else "no",
                   note="" if keep_alive else "every response carries Connection: close: "
                   "each request is a new TCP connection and a new server thread")
        for clients in CYCLE_CLIENTS:
            result = run_cycles(server, clients, args.duration, args.max_cycles)
            _say(f"{clients} clients: {result.rate:.0f} cycles/s")
            _cycles_rows(report, result)
        latency = measure_call_latency(server, LATENCY_LISTENERS, args.calls)
        _say(f"call→event p99 {_ms(percentile(latency.latencies, 99)):.1f} ms")
        _latency_rows(report, latency, args.calls)
        hold = hold_connections(server, HOLD_LISTENERS, args.hold)
        _say(f"holding {HOLD_LISTENERS}: {hold.connected_after} still connected")
        _hold_rows(report, hold)
        _resources(report, server, handles_before)
        code = server.stop()
        if code not in (0, None):
            report.fail(f"the server exited with {code} on SIGINT:\n{server.log_tail()}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.duration, args.calls, args.hold = 2.0, 50, 2.0
    report = Report()
    began = time.monotonic()
    _say(f"{machine()}")
    try:
        if not args.reports_only:
            _server_rows(report, args)
        if not args.no_reports:
            measure_reports(report)
        measure_prediction(report)
    except BenchError as exc:
        report.fail(str(exc))
    out = sys.stdout
    out.write(f"\nTalon server benchmark, {dt.date.today().isoformat()}: {machine()}\n\n")
    out.write(report.table() + "\n\n")
    out.write(f"Total time {time.monotonic() - began:.0f} s.\n")
    if report.warnings:
        out.write("\nWARNINGS (not targets):\n" + "".join(f"  - {w}\n" for w in report.warnings))
    if report.problems:
        out.write("\nTARGETS MISSED OR ERRORS:\n" + "".join(f"  - {p}\n" for p in report.problems))
        return 1
    out.write("All targets met.\n")
    return 0
