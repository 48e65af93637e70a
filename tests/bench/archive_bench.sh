#!/usr/bin/env bash
# Benchmark of the recording archive: N completed recordings of 1 MiB each (two-channel WAV)
# preloaded on the recordings topic, copied by `callstream-projector archive` from the fake
# Twilio API to the fake S3 (which verifies every signature with botocore), all on loopback.
# Prints recordings/s and MB/s, first event taken to last copy announced, and the archiver's
# resident memory as it goes; then one 100 MiB recording (a multipart upload), to show that the
# memory stays flat: no recording is ever held in memory.
#   tests/bench/archive_bench.sh [recordings=500] [concurrency=8]
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-500}
concurrency=${2:-8}

scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-projector callstream-devkafka >/dev/null
bin=build/release
projector=$bin/services/projector/callstream-projector
work=$(mktemp -d /tmp/callstream-archive-bench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg-cluster stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

account=AC$(printf 'b%.0s' {1..32})
token=bench-token
scripts/pg-cluster start "$work/pg" >/dev/null
dsn=$(scripts/pg-cluster dsn "$work/pg")
"$bin/tools/devkafka/callstream-devkafka" --brokers 1 --bootstrap-file "$work/bootstrap" >"$work/devkafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
brokers=$(cat "$work/bootstrap")
fake() {  # name script args...: starts a fake on a free port, prints the port
  local name=$1 script=$2
  shift 2
  python3 "tools/sim/$script" --port-file "$work/$name.port" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
}
# 32.768 s of 8 kHz 16-bit stereo is 1 MiB of samples.
fake twilio fake_twilio_api.py --account "$account" --token "$token" --wav-seconds 32.768
fake s3 fake_s3.py --bucket bench --access-key AKIABENCH --secret-key bench-secret
twilio="http://127.0.0.1:$(cat "$work/twilio.port")"
s3="http://127.0.0.1:$(cat "$work/s3.port")"

# Completed recordings as the ingress writes them: key CallSid, a CloudEvent per line.
events() {  # first count
  python3 - "$1" "$2" "$account" "$twilio" <<'EOF'
import json, sys
first, count, account, twilio = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
for n in range(first, first + count):
    call, rec = "CA%032x" % n, "RE%032x" % n
    params = {"AccountSid": account, "CallSid": call, "RecordingSid": rec, "RecordingStatus": "completed",
              "RecordingChannels": "2", "RecordingDuration": "33", "RecordingSource": "DialVerb",
              "RecordingUrl": "%s/2010-04-01/Accounts/%s/Recordings/%s" % (twilio, account, rec),
              "RecordingStartTime": "Thu, 03 Dec 2026 14:00:00 +0000"}
    event = {"specversion": "1.0", "id": "%064x" % n, "source": "https://bench/recording_status",
             "type": "io.callstream.voice.recording.completed", "subject": rec, "time": "2026-12-03T14:00:33Z",
             "datacontenttype": "application/json", "receivedat": "2026-12-03T14:00:33Z",
             "data": {"route": "/recording_status", "method": "POST", "params": params}}
    print(call + "|" + json.dumps(event, separators=(",", ":")))
EOF
}
topic=callstream.voice.recordings.v1
events 1 "$count" | kcat -P -b "$brokers" -t "$topic" -K '|' -z none

DATABASE_URL=$dsn "$projector" migrate >/dev/null
export DATABASE_URL=$dsn KAFKA_BROKERS=$brokers TWILIO_API_BASE_URL=$twilio TWILIO_ACCOUNT_SID=$account \
  TWILIO_AUTH_TOKEN=$token ARCHIVE_S3_BUCKET=bench ARCHIVE_S3_ENDPOINT=$s3 ARCHIVE_S3_PATH_STYLE=true \
  ARCHIVE_S3_ACCESS_KEY_ID=AKIABENCH ARCHIVE_S3_SECRET_ACCESS_KEY=bench-secret ARCHIVE_TMP_DIR=$work \
  ARCHIVE_CONCURRENCY=$concurrency HTTP_PORT=0 METRICS_PORT=0 LOG_LEVEL=warn
start=$(date +%s.%N)
"$projector" archive >"$work/archiver.log" 2>&1 &
archiver=$!
pids+=($archiver)

announced() { psql "$dsn" -XAtqc "SELECT count(*) FROM recording_archive WHERE announced_at IS NOT NULL"; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$archiver/status"; }
peak_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$archiver/status"; }
echo "== archive: $count recordings of 1 MiB (two-channel WAV), $concurrency at a time, fakes on loopback"
next_report=$((count / 4))
while [ "$(announced)" -lt "$count" ]; do
  done_now=$(announced)
  if [ "$done_now" -ge "$next_report" ] && [ "$next_report" -gt 0 ]; then
    echo "   $done_now archived, archiver RSS $(rss_mb) MB"
    next_report=$((next_report + count / 4))
  fi
  sleep 0.5
done
end=$(date +%s.%N)
awk -v n="$count" -v a="$start" -v b="$end" \
  'BEGIN { printf "   %d archived in %.2f s from the archiver'"'"'s start (joining its group included): %.1f recordings/s\n", n, b - a, n / (b - a) }'
psql "$dsn" -XAtqc "
  SELECT '   ' || count(*) || ' archived in ' || round(extract(epoch FROM max(announced_at) - min(updated_at))::numeric, 2)
         || ' s (first copy announced to last): '
         || round(count(*) / extract(epoch FROM max(announced_at) - min(updated_at))::numeric, 1) || ' recordings/s, '
         || round(sum(size) / 1048576.0 / extract(epoch FROM max(announced_at) - min(updated_at))::numeric, 1) || ' MiB/s'
  FROM recording_archive"
echo "   archiver RSS $(rss_mb) MB, peak $(peak_mb) MB"

# One long recording: 100 MiB, above the multipart threshold (64 MiB), in 16 MiB parts.
kill "${pids[1]}" 2>/dev/null; wait "${pids[1]}" 2>/dev/null || true
fake twilio2 fake_twilio_api.py --account "$account" --token "$token" --wav-seconds 3276.8
twilio2="http://127.0.0.1:$(cat "$work/twilio2.port")"
before=$(peak_mb)
events 100000 1 | sed "s#$twilio#$twilio2#" | kcat -P -b "$brokers" -t "$topic" -K '|' -z none
echo "== one recording of 100 MiB (multipart)"
kill "$archiver"; wait "$archiver" 2>/dev/null || true
TWILIO_API_BASE_URL=$twilio2 "$projector" archive >>"$work/archiver.log" 2>&1 &
archiver=$!
pids+=($archiver)
t0=$(date +%s.%N)
while [ "$(announced)" -lt $((count + 1)) ]; do sleep 0.2; done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "   archived in %.1f s (restart included)\n", b - a }'
echo "   archiver peak RSS $(peak_mb) MB for the 100 MiB recording (the 1 MiB run peaked at $before MB)"
psql "$dsn" -XAtqc "SELECT '   ' || size || ' bytes, sha256 ' || sha256 FROM recording_archive WHERE recording_sid = 'RE' || lpad(to_hex(100000), 32, '0')"
