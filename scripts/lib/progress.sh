# Progress of a long step of an operator script (sourced by scripts/backup and scripts/restore).
#   follow_progress PID TASK TOTAL UNIT COUNT_FUNCTION
# While PID runs, COUNT_FUNCTION prints how many UNITs are done (and, after a space, any words to
# add: "143 MB written"). On a terminal, one line redrawn in place twice a second:
#   backup  7 of 21 tables  33.3 %  0.8/s  17 s left  143 MB written
# off a terminal, the same line every 5 s. Returns PID's exit status.
follow_progress() {
  local pid=$1 task=$2 total=$3 unit=$4 count=$5 started now done extra line every=5 last=0
  [ -t 2 ] && every=0
  started=$(date +%s.%N)
  [ -t 2 ] || last=$started  # a log line after 5 s, not at once
  while kill -0 "$pid" 2>/dev/null; do
    now=$(date +%s.%N)
    if awk -v n="$now" -v l="$last" -v e="$every" 'BEGIN { exit !(n - l >= e) }'; then
      read -r done extra < <("$count") || true
      line=$(awk -v d="${done:-0}" -v t="$total" -v u="$unit" -v s="$started" -v n="$now" 'BEGIN {
        el = n - s; r = el > 0 ? d / el : 0
        out = (t > 0 ? sprintf("%d of %d %s  %.1f %%", d, t, u, 100 * d / t) : sprintf("%d %s", d, u))
        out = out sprintf("  %.1f/s", r)
        if (t > 0 && d > 0 && d < t) out = out sprintf("  %d s left", (t - d) / r)
        print out }')
      if [ -t 2 ]; then printf '\r%s  %s  %s\033[K' "$task" "$line" "$extra" >&2
      else echo "$task: $line  $extra" >&2; fi
      last=$now
    fi
    sleep 0.5
  done
  [ -t 2 ] && printf '\r\033[K' >&2
  wait "$pid"
}
