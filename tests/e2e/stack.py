"""The real binaries on loopback, for end-to-end tests: devkafka, the projector and the ingress,
with PostgreSQL from the ctest fixture cluster (CALLSTREAM_TEST_PG_DIR)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOURCE = os.environ.get("CALLSTREAM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
BIN = os.environ.get("CALLSTREAM_BIN_DIR", os.path.join(SOURCE, "build/dev"))
PG_DIR = os.environ.get("CALLSTREAM_TEST_PG_DIR")
sys.path.insert(0, os.path.join(SOURCE, "tools/sim"))

import twilio_sim  # noqa: E402  (Twilio's own SDK signs the requests)

ACCOUNT = "AC" + "e" * 32
TOKEN = "e2e-auth-token"
BASE_URL = "https://calls.example.com"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(dsn, sql):
    out = subprocess.run(["psql", dsn, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def fresh_database(name, pg_dir=None):
    pg_dir = pg_dir or PG_DIR
    if not pg_dir:
        sys.exit("CALLSTREAM_TEST_PG_DIR is not set: run through ctest, which starts the PostgreSQL cluster")
    admin = "host=%s port=5432 user=postgres dbname=postgres" % pg_dir
    psql(admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    psql(admin, "CREATE DATABASE %s" % name)
    return "host=%s port=5432 user=postgres dbname=%s" % (pg_dir, name)


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, for tests that stop and start it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="callstream-pg-")
        os.chmod(self.dir, 0o755)
        self.script = os.path.join(SOURCE, "scripts/pg-cluster")
        self.start()

    def start(self):
        subprocess.run([self.script, "start", self.dir], check=True, capture_output=True)

    def stop(self):
        subprocess.run([self.script, "stop", self.dir], check=True, capture_output=True)


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def metric(port, name):
    """The value of one metric series (name with its labels, as /metrics prints it), 0 if absent."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    c.request("GET", "/metrics")
    body = c.getresponse().read().decode()
    c.close()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def validate_cloudevents(brokers, topics):
    """Every message of `topics` checked by the official CloudEvents SDK for JavaScript
    (tests/e2e/js); each message's ce_id header is its event's id. Returns events per topic."""
    lines, per_topic = [], {}
    for topic in topics:
        out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-e", "-q", "-J"],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        for row in out.splitlines():
            m = json.loads(row)
            headers = dict(zip(m["headers"][::2], m["headers"][1::2])) if m.get("headers") else {}
            assert headers.get("ce_id") == json.loads(m["payload"])["id"], (topic, m["offset"], headers)
            lines.append(json.dumps({"topic": topic, "offset": m["offset"], "value": m["payload"]}))
            per_topic[topic] = per_topic.get(topic, 0) + 1
    js = os.path.join(SOURCE, "tests/e2e/js")
    r = subprocess.run(["node", os.path.join(js, "validate_cloudevents.mjs")], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=60, cwd=js)
    assert r.returncode == 0, "the CloudEvents SDK refused events:\n" + r.stdout + r.stderr
    return per_topic


def get_json(port, path):
    """GET a JSON document from a fake's (or a service's) loopback port."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    return json.loads(c.getresponse().read())


def post_json(port, path, body):
    """POST a JSON document (a fake's /_fake/plan...); returns the status."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", path, body=json.dumps(body))
    r = c.getresponse()
    r.read()
    return r.status


def http_ok(port, path):
    import http.client
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", path)
        return c.getresponse().status == 200
    except OSError:
        return False


class Stack:
    def __init__(self, name, pg_dir=None):
        self.dir = tempfile.mkdtemp(prefix="callstream-e2e-")
        self.procs = {}
        self.brokers = ""
        self.dsn = fresh_database(name, pg_dir)
        bootstrap_file = os.path.join(self.dir, "bootstrap")
        devkafka = [os.path.join(BIN, "tools/devkafka/callstream-devkafka"), "--bootstrap-file", bootstrap_file]
        if os.environ.get("DEVKAFKA_PARTITIONS"):  # soaks past the mock's ~5 MB per partition
            devkafka += ["--partitions", os.environ["DEVKAFKA_PARTITIONS"]]
        if os.environ.get("DEVKAFKA_BROKERS"):  # benchmarks: one broker costs less CPU than three
            devkafka += ["--brokers", os.environ["DEVKAFKA_BROKERS"]]
        self.start("devkafka", devkafka, {})
        wait_until(lambda: os.path.exists(bootstrap_file), 20, "devkafka")
        self.brokers = open(bootstrap_file).read().strip()
        self.ingress_port = free_port()
        self.ingress_metrics_port = free_port()
        self.projector_port = None
        self.projector_metrics_port = None

    def env(self, extra):
        env = dict(os.environ)
        env.update({"KAFKA_BROKERS": self.brokers, "DATABASE_URL": self.dsn, "TWILIO_ACCOUNT_SID": ACCOUNT,
                    "TWILIO_AUTH_TOKEN": TOKEN, "BASE_URL": BASE_URL, "LOG_LEVEL": "warn",
                    "METRICS_ADDRESS": "127.0.0.1", "METRICS_PORT": "0"})
        env.update(extra)
        return env

    def start(self, name, argv, extra):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen(argv, env=self.env(extra), stdout=log, stderr=log)
        return self.procs[name]

    def start_ingress(self, **extra):
        env = {"HTTP_PORT": str(self.ingress_port), "HTTP_ADDRESS": "127.0.0.1",
               "METRICS_PORT": str(self.ingress_metrics_port)}
        env.update(extra)
        self.start("ingress", [os.path.join(BIN, "services/ingress/callstream-ingress")], env)
        wait_until(lambda: http_ok(self.ingress_port, "/readyz"), 20, "ingress /readyz")

    def start_projector(self, name="projector", **extra):
        port, metrics_port = free_port(), free_port()
        env = {"HTTP_PORT": str(port), "HTTP_ADDRESS": "127.0.0.1", "METRICS_PORT": str(metrics_port)}
        env.update(extra)
        self.start(name, [os.path.join(BIN, "services/projector/callstream-projector")], env)
        self.projector_port = port
        self.projector_metrics_port = metrics_port
        return self.procs[name]

    def start_fake(self, name, script, *args):
        """A fake of an outside service from tools/sim on a free port; returns the port."""
        port_file = os.path.join(self.dir, name + ".port")
        self.start(name, [sys.executable, os.path.join(SOURCE, "tools/sim", script), "--port-file", port_file] + list(args), {})
        wait_until(lambda: os.path.exists(port_file), 20, name)
        return int(open(port_file).read())

    def start_fake_twilio(self, *args):
        return self.start_fake("fake-twilio", "fake_twilio_api.py", "--account", ACCOUNT, "--token", TOKEN, *args)

    def twilio(self):
        return twilio_sim.Twilio("http://127.0.0.1:%d" % self.ingress_port, BASE_URL, TOKEN)

    def kill(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p

    def logs(self):
        out = []
        for f in sorted(os.listdir(self.dir)):
            if f.endswith(".log"):
                out.append("---- %s ----\n%s" % (f, open(os.path.join(self.dir, f), errors="replace").read()[-3000:]))
        return "\n".join(out)

    def close(self):
        # Services first, Kafka last: a client whose brokers vanished first takes long to close.
        for name in reversed(list(self.procs)):
            self.kill(name)


def run(test):
    """Runs test(stack-factory), printing logs when it fails; exit status for ctest."""
    stacks = []

    def make(name, pg_dir=None):
        s = Stack(name, pg_dir)
        stacks.append(s)
        return s
    try:
        test(make)
        print("1 passed, 0 failed")
        return 0
    except Exception:
        import traceback
        traceback.print_exc()
        for s in stacks:
            print(s.logs())
        print("0 passed, 1 failed")
        return 1
    finally:
        for s in stacks:
            s.close()
