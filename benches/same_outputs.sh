#!/usr/bin/env bash
# Do two qfb binaries give the same outputs on sample-data/? A refactor must
# keep every output file byte-identical (issue #11); this runs the whole
# monthly job (`qfb run`, en and zh) with each binary in its own folder and
# compares every file under out/, ignoring only what records the time of the
# run: the manifests' `loaded_at`, the footer's run time, and the load table
# of the data-quality page and its export.
#
#   benches/same_outputs.sh OLD_QFB NEW_QFB
#
# Make OLD_QFB from the commit before the change, for example:
#   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && cargo build --release)
# Exits 0 when the outputs agree, 1 with the differing files listed.
# A change that adds a file to the lake on purpose names what to leave out
# of the comparison, as an extended regex of paths:
#   IGNORE='lake/(_manifests|_unit_keys|_store/_unit_keys)/' benches/same_outputs.sh OLD NEW
set -euo pipefail
old="$(realpath "$1")"
new="$(realpath "$2")"
sample="$(cd "$(dirname "$0")/.." && pwd)/sample-data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for side in old new; do
  bin="${!side}"
  mkdir -p "$work/$side"
  (cd "$work/$side" && "$bin" --quiet run --input "$sample" --out out --lang en >/dev/null \
    && "$bin" --quiet report --lake out/lake --out out-zh --lang zh >/dev/null) || true
done

# Text files: drop the lines that carry the run's time. Binary files: bytes.
normalise() {
  case "$1" in
    *.json | *.html | *.csv)
      grep -v -E 'loaded_at|[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(Z| UTC)' "$1" || true ;;
    *) cat "$1" ;;
  esac
}

status=0
cd "$work/old"
list() { find . -type f ! -name '_lock' ! -name '*.superseded' | { [ -n "${IGNORE:-}" ] && grep -v -E "$IGNORE" || cat; } | sort; }
files=$(list)
[ "$(cd "$work/new" && list)" = "$files" ] \
  || { echo "the two runs wrote different sets of files"; status=1; }
n=0
for f in $files; do
  n=$((n + 1))
  if ! cmp -s <(normalise "$work/old/$f") <(normalise "$work/new/$f"); then
    echo "differs: $f"
    status=1
  fi
done
echo "$n files compared: $([ $status = 0 ] && echo same || echo DIFFERENT)"
exit $status
