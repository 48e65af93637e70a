#!/usr/bin/env python3
"""The whole pipeline's capacity on this machine: ingress, devkafka, projector and PostgreSQL
(fsync on) sharing the cores, a load generator sending a mix of real webhook kinds (/voice with its
TwiML, status callbacks, TaskRouter events, recording callbacks) at a paced rate.

For each rate, held SECONDS: the ingress's latency per 10 s window (a drift shows), freshness
(received by the ingress -> row in call_events) per window, how long the projector's lag takes to
reach zero after the load stops, and each process's CPU per webhook from /proc. A rate passes when
ingress p99 <= 10 ms, freshness p99 <= 100 ms and the lag is zero within 1 s; the run steps up
through the rates and stops after the first that fails.

With --compare BUILD_DIR (an older build, e.g. a git worktree's build/release), each rate runs
on that build and then on this one, the same load generator driving both, and a table at the end
sets them side by side: the way to measure a change on a noisy machine.

Usage: tests/bench/pipeline_bench.py [--seconds 120] [--brokers 1] [--partitions N] [--compare DIR] RATE...
  (CALLSTREAM_BIN_DIR: a build, default build/release; tests/bench/pipeline_bench.sh builds it)"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "../.."))
os.environ.setdefault("CALLSTREAM_BIN_DIR", os.path.join(SOURCE, "build/release"))
sys.path.insert(0, os.path.join(SOURCE, "tests/e2e"))
import stack  # noqa: E402

INGRESS_P99_MS, FRESH_P99_MS, LAG_ZERO_S = 10.0, 100.0, 1.0
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
PROCESSES = ("ingress", "devkafka", "projector", "postgres", "loadgen")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def postgres_backends(pg_dir):
    """The PostgreSQL server of this bench and its children (backends, WAL writer...)."""
    postmaster = int(open(os.path.join(pg_dir, "data", "postmaster.pid")).readline())
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True).stdout
    return [postmaster] + [int(p) for p in out.split()]


def cpu_of(pids):
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


LOADGEN = os.path.join(stack.BIN, "tools/loadgen/callstream-loadgen")  # this build's, for every build


class Step:
    def __init__(self, rate, seconds, brokers, pg_dir, statements=False):
        self.rate, self.seconds, self.brokers, self.pg_dir = rate, seconds, brokers, pg_dir
        self.statements = statements
        self.summary = {}

    def run(self, make):
        os.environ["DEVKAFKA_BROKERS"] = str(self.brokers)
        s = make("bench_pipeline")
        s.start_ingress(LOG_LEVEL="warn")
        s.start_projector(LOG_LEVEL="warn", PROJECTOR_POLL_TIMEOUT_MS="20",
                          PROJECTOR_BATCH_LINGER_MS=os.environ.get("PROJECTOR_BATCH_LINGER_MS", "0"))
        stack.wait_until(lambda: stack.http_ok(s.projector_metrics_port, "/readyz"), 60, "the projector")
        time.sleep(4)  # the group join
        procs = {"ingress": [s.procs["ingress"].pid], "devkafka": [s.procs["devkafka"].pid],
                 "projector": [s.procs["projector"].pid], "postgres": postgres_backends(self.pg_dir)}
        if self.statements:
            stack.psql(s.dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()")
        before = {name: cpu_of(pids) for name, pids in procs.items()}
        started = time.time()
        load = subprocess.Popen(self.loadgen(s), stdout=subprocess.PIPE, text=True)
        loadgen_cpu = 0.0
        while load.poll() is None:
            try:
                loadgen_cpu = cpu_seconds(load.pid)
            except (FileNotFoundError, ProcessLookupError):
                pass
            time.sleep(0.5)
        out = load.stdout.read()
        ended = time.time()
        lag_zero = self.lag_zero_after(s, ended)
        after = {name: cpu_of(pids) for name, pids in procs.items()}
        ok = self.summarize(s, out, started, ended, lag_zero, before, after, loadgen_cpu)
        if self.statements:
            print("   top statements: execution ms | planning ms | calls | rows | statement")
            print(stack.psql(s.dsn, """SELECT round(total_exec_time::numeric, 0) AS ms, round(total_plan_time::numeric, 0), calls, rows,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements
                ORDER BY total_exec_time DESC LIMIT 12"""))
        return ok

    def loadgen(self, s):
        return [LOADGEN, "--port", str(s.ingress_port),
                "--base-url", stack.BASE_URL, "--token", stack.TOKEN, "--account", stack.ACCOUNT, "--mix",
                "--rate", str(self.rate), "--seconds", str(self.seconds), "--connections", "64",
                "--threads", "1", "--distinct", str(int(self.rate * self.seconds) + 10), "--report-every", "10"]

    def lag_zero_after(self, s, ended):
        """Seconds from the end of the load until the projector's lag is zero (None: not in 60 s)."""
        while time.time() < ended + 60:
            if stack.metric(s.projector_metrics_port, "callstream_projector_lag_events") == 0:
                return time.time() - ended
            time.sleep(0.05)
        return None

    def freshness(self, s, started):
        rows = stack.psql(s.dsn, """
            SELECT floor(extract(epoch FROM received_at) - %f)::int / 10 AS w, count(*),
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
            FROM (SELECT received_at, extract(epoch FROM applied_at - received_at) * 1000 AS ms
                  FROM call_events) e GROUP BY 1 ORDER BY 1""" % started)
        total = stack.psql(s.dsn, """SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY
            extract(epoch FROM applied_at - received_at) * 1000)::numeric, 1) FROM call_events""")
        return [r.split("|") for r in rows.splitlines()], float(total or 0)

    def summarize(self, s, out, started, ended, lag_zero, before, after, loadgen_cpu):
        answered = int(re.search(r"requests (\d+)", out).group(1))
        p99 = float(re.search(r"p99 ([\d.]+)", out).group(1))
        windows = re.findall(r"window (\d+)-\d+ s: (\d+) answers  p50 ([\d.]+)  p99 ([\d.]+)  max ([\d.]+)", out)
        fresh_windows, fresh_p99 = self.freshness(s, started)
        statuses = re.search(r"status:(.*)", out).group(1).strip()
        cpu = {name: after[name] - before[name] for name in after}
        cpu["loadgen"] = loadgen_cpu
        ok = (p99 <= INGRESS_P99_MS and fresh_p99 <= FRESH_P99_MS and lag_zero is not None
              and lag_zero <= LAG_ZERO_S and answered >= 0.98 * self.rate * self.seconds)
        print("== %d webhooks/s for %d s (mix), %d broker(s): %d answered (%s); ingress p99 %.1f ms, "
              "freshness p99 %.1f ms, lag zero %s after the load: %s" % (
                  self.rate, self.seconds, self.brokers, answered, statuses, p99, fresh_p99,
                  "%.2f s" % lag_zero if lag_zero is not None else "not within 60 s", "PASS" if ok else "FAIL"))
        print("   %-8s %8s %9s %9s %9s | %9s %9s %9s" % ("window", "answers", "p50 ms", "p99 ms", "max ms",
                                                        "rows", "fresh p50", "fresh p99"))
        fresh = {int(w): (n, p50, p99) for w, n, p50, p99 in fresh_windows}
        for start_s, n, p50, wp99, mx in windows:
            f = fresh.get(int(start_s) // 10, ("", "", ""))
            print("   %-8s %8s %9s %9s %9s | %9s %9s %9s" % (start_s + " s", n, p50, wp99, mx, *f))
        events = max(answered, 1)
        per_webhook = {name: cpu[name] / events * 1e6 for name in PROCESSES}
        print("   CPU per webhook (us): " + "  ".join("%s %.0f" % (name, per_webhook[name]) for name in PROCESSES))
        self.summary = {"ok": ok, "p99": p99, "fresh_p99": fresh_p99, "lag_zero": lag_zero, "cpu": per_webhook}
        return ok


def print_table(results):
    """Every step run, one line each: the builds side by side per rate."""
    print("\n| rate | build | result | ingress p99 ms | freshness p99 ms | lag zero after | "
          "CPU per webhook, us: " + " / ".join(PROCESSES) + " |")
    print("|---|---|---|---|---|---|---|")
    for rate, build, r in results:
        lag = "%.2f s" % r["lag_zero"] if r["lag_zero"] is not None else "> 60 s"
        print("| %d/s | %s | %s | %.1f | %.1f | %s | %s |" % (
            rate, build, "pass" if r["ok"] else "FAIL", r["p99"], r["fresh_p99"], lag,
            " / ".join("%.0f" % r["cpu"][name] for name in PROCESSES)))


def run_step(rate, args, pg, build):
    """One rate on one build; its summary, or None when the stack failed."""
    stack.BIN = build
    step = Step(rate, args.seconds, args.brokers, pg, args.statements)
    print("-- %s" % build)
    status = stack.run(step.run)
    return step.summary if status == 0 and step.summary else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--brokers", type=int, default=1)
    parser.add_argument("--partitions", type=int,
                        help="partitions of every topic on devkafka (default: proto/topics.json's); more "
                             "partitions keep the mock broker's logs, which it walks at every fetch, shorter")
    parser.add_argument("--compare", metavar="BUILD_DIR",
                        help="an older build to run each rate on first, side by side with this one")
    parser.add_argument("--statements", action="store_true",
                        help="print pg_stat_statements' top statements by time after each rate")
    parser.add_argument("rates", type=int, nargs="+")
    args = parser.parse_args()
    pg = tempfile.mkdtemp(prefix="callstream-pipeline-pg-")
    env = dict(os.environ)
    if args.statements:
        env["PG_OPTIONS"] = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
    subprocess.run([os.path.join(SOURCE, "scripts/pg-cluster"), "start", pg, "5432"], check=True,
                   stdout=subprocess.DEVNULL, env=env)
    os.environ["CALLSTREAM_TEST_PG_DIR"] = stack.PG_DIR = pg
    if args.partitions:
        os.environ["DEVKAFKA_PARTITIONS"] = str(args.partitions)
    builds = ([("reference", os.path.abspath(args.compare))] if args.compare else []) + [("this", stack.BIN)]
    results = []
    try:
        for rate in args.rates:
            passed = False
            for label, build in builds:
                summary = run_step(rate, args, pg, build)
                if summary:
                    results.append((rate, label, summary))
                    passed = passed or summary["ok"]
            if not passed:
                break
    finally:
        subprocess.run([os.path.join(SOURCE, "scripts/pg-cluster"), "stop", pg], check=False, stdout=subprocess.DEVNULL)
    print_table(results)


if __name__ == "__main__":
    main()
