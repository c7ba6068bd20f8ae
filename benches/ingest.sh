#!/usr/bin/env bash
# The ingest and metrics benchmark (issues #3 and #4). For each size it
# generates canonical UTF-8 drops (`qfb generate --utf8-only`, 24 months),
# then times, on the same files:
#   - qfb ingest: fully validated, into the lake;
#   - DuckDB: a plain, unvalidated COPY ... TO parquet of every table;
#   - qfb metrics: every section-5 table of one month (2026-09) over the
#     24-month lake;
#   - qfb life: the same month's metrics plus its life data; the line
#     "life + forecast alone" is the difference.
# It prints input bytes, rows, wall time, MB/s and peak RSS for each.
#
#   benches/ingest.sh                 # 1M and 10M units
#   SIZES=1000000 benches/ingest.sh   # just 1M
#
# Data goes to $BENCH_DATA (default bench-data/, git-ignored); DuckDB is
# installed from PyPI into bench-data/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${SIZES:-1000000 10000000}"
DATA="${BENCH_DATA:-bench-data}"
TARGET="${CARGO_TARGET_DIR:-target}"
QFB="$TARGET/release/qfb"
mkdir -p "$DATA"

command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cargo build --release --quiet
if [ ! -x "$DATA/.venv/bin/python" ]; then
  python3 -m venv "$DATA/.venv"
  "$DATA/.venv/bin/pip" install -q duckdb
fi

# run LABEL CMD...: time CMD, print one row of the table.
run() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/last.log" 2>&1
  read -r secs kb < "$DATA/time.txt"
  awk -v l="$label" -v b="$BYTES" -v r="$ROWS" -v s="$secs" -v k="$kb" -v u="$UNITS" 'BEGIN {
    printf "%-10s %-22s %9.1f %10d %8.2f %8.1f %9.0f\n", u, l, b/1e6, r, s, b/1e6/s, k/1024 }'
}

printf "%-10s %-22s %9s %10s %8s %8s %9s\n" units tool "input MB" rows "wall s" "MB/s" "peak MB"
for UNITS in $SIZES; do
  IN="$DATA/in-$UNITS"
  if [ ! -f "$IN/truth.json" ]; then
    "$QFB" --quiet generate --out "$IN" --units "$UNITS" --utf8-only
  fi
  BYTES=$(find "$IN" -name '*.csv' -printf '%s\n' | awk '{s+=$1} END {print s}')
  # Data rows: lines minus one header per file (free text has no newlines in
  # the canonical tables' rows often enough to matter; this is a count of
  # physical lines, within 0.1% of records).
  ROWS=$(find "$IN" -name '*.csv' -exec cat {} + | wc -l)
  ROWS=$((ROWS - $(find "$IN" -name '*.csv' | wc -l)))

  rm -rf "$DATA/lake-$UNITS"
  run "qfb ingest" "$QFB" --quiet ingest --input "$IN" --lake "$DATA/lake-$UNITS"

  rm -rf "$DATA/duck-$UNITS" && mkdir -p "$DATA/duck-$UNITS"
  run "duckdb COPY (no checks)" "$DATA/.venv/bin/python" - "$IN" "$DATA/duck-$UNITS" <<'PY'
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for t in ["stations", "units", "repairs", "parts", "visits", "feedback_forms"]:
    con.execute(f"COPY (SELECT * FROM read_csv('{src}/*/{t}.csv', header=true, union_by_name=true)) "
                f"TO '{out}/{t}.parquet' (FORMAT parquet)")
PY

  run "qfb metrics (1 month)" "$QFB" --quiet metrics --lake "$DATA/lake-$UNITS" --out "$DATA/out-$UNITS" --month 2026-09
  read -r metrics_s metrics_kb < "$DATA/time.txt"
  # `qfb life` opens the month as `qfb metrics` does, then fits the life
  # data and forecasts the claims (with the back-test): its cost is the
  # difference (issues #13 and #14: at most 3 s + 2 s at 10M units).
  run "qfb life (1 month)" "$QFB" --quiet life --lake "$DATA/lake-$UNITS" --out "$DATA/out-$UNITS" --month 2026-09
  read -r life_s life_kb < "$DATA/time.txt"
  awk -v u="$UNITS" -v a="$metrics_s" -v b="$life_s" -v ka="$metrics_kb" -v kb="$life_kb" 'BEGIN {
    printf "%-10s %-22s %9s %10s %+8.2f %8s %+9.0f\n", u, "life + forecast alone", "", "", b-a, "", (kb-ka)/1024 }'
done
