#!/usr/bin/env python3
"""A recording's media, fetched by callstream's client (libs/twilio media, through
tests/tools/media_fetch) from the fake Twilio API: the file is Twilio's exact bytes (SHA-256 equal),
a dual-channel WAV stays two channels, a redirect to storage is followed, a recording not yet
available (404) is retryable, wrong credentials (401) are not."""
import base64
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave

FETCH = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT, TOKEN = "AC" + "1" * 32, "media-test-token"


def start():
    port_file = tempfile.mktemp()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/sim/fake_twilio_api.py"), "--port-file",
                             port_file, "--account", ACCOUNT, "--token", TOKEN], stdout=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        time.sleep(0.05)
    raise AssertionError("the fake Twilio API did not start")


def fetch(url, token=TOKEN):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        out = subprocess.run([FETCH, url, ACCOUNT, token, f.name], capture_output=True, text=True, timeout=30)
        return out.returncode, out.stdout.split(), open(f.name, "rb").read()


def twilio_bytes(url):
    auth = base64.b64encode(("%s:%s" % (ACCOUNT, TOKEN)).encode()).decode()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Basic " + auth})) as r:
        return r.read()


def main():
    proc, port = start()
    base = "http://127.0.0.1:%d/2010-04-01/Accounts/%s/Recordings/" % (port, ACCOUNT)
    try:
        rc, words, data = fetch(base + "RE" + "a" * 32 + ".wav")
        expected = twilio_bytes(base + "RE" + "a" * 32 + ".wav")
        assert rc == 0 and words[:2] == [str(len(expected)), hashlib.sha256(expected).hexdigest()], words
        assert data == expected
        with wave.open(io.BytesIO(data)) as w:
            assert w.getnchannels() == 2, "a dual-channel recording keeps its two channels"
        rc, words, data = fetch(base + "RE302" + "b" * 29 + ".wav")
        assert rc == 0 and data == expected, words
        assert fetch(base + "RE404" + "c" * 29 + ".wav")[:2] == (1, ["error", "404", "retryable"])
        assert fetch(base + "RE" + "a" * 32 + ".wav", token="wrong")[:2] == (1, ["error", "401", "final"])
        print("media fetched byte for byte, two channels, redirects followed, 404 retryable, 401 final")
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
