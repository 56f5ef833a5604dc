#!/usr/bin/env bash
# The benchmark: graph-conformance against its embedded reference mock, in release mode, at
# several case counts and concurrencies; then Schemathesis against the same mock and the same
# contract (schemas/openapi.json): first every Schemathesis check that applies to the document
# (it must find nothing: the mock answers as the document says), then throughput for a
# comparable wall-clock budget. Prints a Markdown table.
# Usage: bash bench/run.sh [--no-schemathesis | --schemathesis-only]
# BENCH_BIN=path/to/graph-conformance uses that binary instead of building the release one.
# Peer tools run inside a temporary directory, so their state (.schemathesis/, .hypothesis/)
# never lands in the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
mode=${1:-}
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$(realpath "$BENCH_BIN")
else
  cargo build --release --quiet
  bin=$repo/target/release/graph-conformance
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
st_version=4.32.5

summarize() { # results.json wall-seconds peak-kb concurrency cases
  python3 - "$@" <<'PY'
import json, sys
path, wall, rss, conc, cases = sys.argv[1:6]
r = json.load(open(path))
lat = sorted(c["duration_ms"] for c in r["cases"])
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
req = r["totals"]["requests"]
print(f"| graph-conformance | {cases} | {conc} | {r['totals']['cases']} | {req} | {float(wall):.2f} | {req / float(wall):,.0f} | {p(0.5):.2f} | {p(0.99):.2f} | {int(rss) // 1024} |")
PY
}

if [ "$mode" != "--schemathesis-only" ]; then
echo "| tool | --cases | --concurrency | cases | requests | wall s | requests/s | p50 ms | p99 ms | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for cases in 20 1000 10000; do
  for conc in 1 2 8 32; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" run --cases "$cases" --concurrency "$conc" --report-dir "$work/r" >/dev/null 2>&1 || true
    read -r wall rss < "$work/time"
    summarize "$work/r/results.json" "$wall" "$rss" "$conc" "$cases"
  done
done

echo
echo "memory as the case count grows: the runner alone, against the mock in another process"
echo "(the record is on disk, so the runner stays flat; the mock keeps every object the run creates)"
"$bin" mock --port 18766 >/dev/null 2>&1 &
mock_pid=$!
sleep 1
for cases in 1000 10000 30000; do
  GRAPH_TOKEN=bench-token-0123 /usr/bin/time -f "  runner, --cases $cases: %e s, %M KB peak" "$bin" run --base-url http://127.0.0.1:18766/beta \
    --cases "$cases" --report-dir "$work/m" 2>&1 | tail -1 || true
done
echo "  the mock after them: $(ps -o rss= -p "$mock_pid") KB"
kill "$mock_pid"

echo
echo "derive of 1,000 synthetic pages and render of 100,000 results:"
cargo run --release --quiet --example synth_pages -- 1000 "$work/pages" >/dev/null
/usr/bin/time -f "  derive: %e s, %M KB peak" "$bin" derive "$work/pages" --out "$work/derived" 2>&1 | tail -1 || true
cargo run --release --quiet --example synth_results -- 100000 "$work/big.json" >/dev/null
/usr/bin/time -f "  render: %e s, %M KB peak" "$bin" report "$work/big.json" --report-dir "$work/big" 2>&1 | tail -1 || true
# (report exits 1: the synthetic results hold failures)

reference=../shared/graph-reference-v1.0
if [ -d "$reference/api" ]; then
  echo
  echo "derive of the whole v1.0 reference ($reference/api, 2,102 method pages), with and without the CSDL cross-check:"
  /usr/bin/time -f "  derive api/: %e s, %M KB peak" "$bin" derive "$reference/api" --out "$work/whole" 2>&1 | tail -1 || true
  /usr/bin/time -f "  derive api/ --metadata: %e s, %M KB peak" "$bin" derive "$reference/api" --out "$work/whole" \
    --metadata ../shared/graph-metadata/v1.0-2021-07-20.xml 2>&1 | tail -1 || true
  if [ -d "$reference/resources" ]; then
    /usr/bin/time -f "  derive api/ and resources/ (3,341 pages): %e s, %M KB peak" "$bin" derive "$reference" --out "$work/whole-all" 2>&1 | tail -1 || true
  fi
fi
fi

[ "$mode" = "--no-schemathesis" ] && exit 0
echo
echo "Schemathesis $st_version (installed into $work/venv from PyPI) against the same mock and contract:"
python3 -m venv "$work/venv" && "$work/venv/bin/pip" install --quiet "schemathesis==$st_version"
"$work/venv/bin/st" --version
mkdir -p "$work/peer" # Schemathesis's working directory: its state stays out of the checkout
"$bin" mock --port 18765 >/dev/null 2>&1 &
sleep 1

echo
echo "conformance: every check but three that do not apply (bench/README.md says why), 60 s"
st_verdict=0
(cd "$work/peer" && "$work/venv/bin/st" run "$repo/schemas/openapi.json" \
  --url http://127.0.0.1:18765/beta -H "Authorization: Bearer bench" \
  --checks all --exclude-checks unsupported_method,allow_header_conformance,ignored_auth \
  --max-time 60) > "$work/st-conformance.log" 2>&1 || st_verdict=$?
sed -n '/^Failures:/,/^$/p; /^Warnings:/,/^$/p; /^Test cases:/,/^$/p' "$work/st-conformance.log"
tail -1 "$work/st-conformance.log"
if [ "$st_verdict" -ne 0 ]; then
  echo "  Schemathesis reports failures against the reference mock (exit $st_verdict):"
  sed -n '/= FAILURES =/,/= SUMMARY =/p' "$work/st-conformance.log" | head -60
fi

echo
echo "throughput: fuzzing phase, 200 examples per operation, not_a_server_error"
(cd "$work/peer" && "$work/venv/bin/st" run "$repo/schemas/openapi.json" \
  --url http://127.0.0.1:18765/beta -H "Authorization: Bearer bench" \
  --phases=fuzzing --max-examples 200 --checks not_a_server_error) > "$work/st.log" 2>&1 || true
tail -3 "$work/st.log"
# the same wall-clock budget for graph-conformance: as many cases as Schemathesis took seconds
python3 - "$work/st.log" "$work/ours.json" "$bin" "$work" <<'PY'
import json, re, subprocess, sys, time
log, ours, binary, work = sys.argv[1:5]
text = open(log).read()
cases = int(re.search(r"(\d+) generated", text).group(1))
secs = float(re.findall(r"in ([\d.]+)s", text)[-1])
st_rate = cases / secs
budget_cases = 1000
while True:
    start = time.monotonic()
    subprocess.run([binary, "run", "--cases", str(budget_cases), "--report-dir", f"{work}/budget"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    if wall >= secs or budget_cases >= 100000:
        break
    budget_cases = int(budget_cases * secs / wall * 1.1) + 1
r = json.load(open(f"{work}/budget/results.json"))
our_rate = r["totals"]["requests"] / wall
print(f"  Schemathesis: {cases} cases in {secs:.2f} s = {st_rate:,.0f} cases/s")
print(f"  graph-conformance, same budget (--cases {budget_cases}): {r['totals']['requests']:,} checked requests in {wall:.2f} s = {our_rate:,.0f} requests/s")
print(f"  ratio: {our_rate / st_rate:,.0f}x")
PY
if [ "$st_verdict" -ne 0 ]; then
  echo "Schemathesis found failures the reference mock should not have: see above" >&2
  exit 1
fi
