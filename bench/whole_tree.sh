#!/usr/bin/env bash
# The whole-tree benchmark: derive the whole Graph v1.0 reference into a temporary directory,
# then run that suite against the embedded reference mock (release build); beside it, the
# default (committed) suite at --cases 2000 for comparison. Prints a Markdown table: cases,
# requests, findings, wall time, requests per second and peak RSS, and the time to load and
# plan the suite and to start the mock serving it.
# Usage: bash bench/whole_tree.sh [REFERENCE_DIR]   (default ../shared/graph-reference-v1.0)
# WHOLE_CASES=N sets --cases of the whole-tree run (default 5); WHOLE_PAGE_SIZE=N the embedded
# mock's page size (default 50, as .ci/run: pages of 2 read Intune's shared collections of
# hundreds of objects page by page up to --max-pages).
# BENCH_BIN=path/to/graph-conformance uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
reference=${1:-../shared/graph-reference-v1.0}
cases=${WHOLE_CASES:-5}
page_size=${WHOLE_PAGE_SIZE:-50}
[ -d "$reference/api" ] || { echo "no reference pages under $reference/api" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "this benchmark needs /usr/bin/time (GNU time)" >&2; exit 2; }
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$(realpath "$BENCH_BIN")
else
  cargo build --release --quiet
  bin=$(pwd)/target/release/graph-conformance
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

row() { # label results.json wall-seconds peak-kb cases
  python3 - "$@" <<'PY'
import json, sys
label, path, wall, rss, cases = sys.argv[1:6]
r = json.load(open(path))
t = r["totals"]
ops = len({c["operation"] for c in r["cases"]})
skipped = len(r["run"].get("skipped_operations", []))
req = t["requests"]
print(f"| {label} | {cases} | {ops} run, {skipped} skipped | {t['cases']} | {req} | "
      f"{t['failed']} failed, {t['warnings']} warnings | {float(wall):.2f} | "
      f"{req / float(wall):,.0f} | {int(rss) // 1024} |")
PY
}

# derive exits 1 when the pages hold errors (they do: findings, not a failure); 2 or more is one
status=0
/usr/bin/time -f "%e %M" -o "$work/derive.time" "$bin" derive "$reference" --out "$work/whole" \
  >/dev/null 2>"$work/derive.log" || status=$?
if [ "$status" -gt 1 ]; then tail -n 20 "$work/derive.log" >&2; exit 1; fi
read -r derive_wall derive_rss < <(tail -n 1 "$work/derive.time")
echo "derive of $reference: ${derive_wall} s, $((derive_rss / 1024)) MiB peak ($(ls "$work/whole/cases" | wc -l) case files)"
echo

# load and plan only: --only matching no case stops the run (exit 2) once the plan is made
/usr/bin/time -f "%e %M" -o "$work/plan.time" "$bin" run --suite "$work/whole" \
  --only 'no-operation-is-named-this' --report-dir "$work/none" >/dev/null 2>&1 || true
read -r plan_wall plan_rss < <(tail -n 1 "$work/plan.time")
echo "load and plan of the whole suite (--only matching nothing): ${plan_wall} s, $((plan_rss / 1024)) MiB peak"

# the mock serving the whole suite: from its start until it answers a request
port=18767
start=$(date +%s.%N)
"$bin" mock --suite "$work/whole" --port "$port" >/dev/null 2>&1 &
mock_pid=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/beta/"; do
  kill -0 "$mock_pid" 2>/dev/null || { echo "the mock did not start" >&2; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
echo "the mock serving the whole suite answers after $(python3 -c "print(f'{$ready - $start:.2f}')") s ($(ps -o rss= -p "$mock_pid") KB)"
kill "$mock_pid"
echo

echo "| suite | --cases | operations | cases | requests | findings | wall s | requests/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
/usr/bin/time -f "%e %M" -o "$work/whole.time" "$bin" run --suite "$work/whole" --cases "$cases" \
  --mock-page-size "$page_size" --report-dir "$work/whole-report" >/dev/null 2>&1 || true
read -r wall rss < <(tail -n 1 "$work/whole.time")
row "whole v1.0 reference" "$work/whole-report/results.json" "$wall" "$rss" "$cases"
/usr/bin/time -f "%e %M" -o "$work/default.time" "$bin" run --cases 2000 \
  --report-dir "$work/default-report" >/dev/null 2>&1 || true
read -r wall rss < <(tail -n 1 "$work/default.time")
row "default (committed)" "$work/default-report/results.json" "$wall" "$rss" 2000
