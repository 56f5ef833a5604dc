#!/usr/bin/env bash
# The benchmark: graph-conformance against its embedded reference mock, in release mode, at
# several case counts and concurrencies; then Schemathesis against the same mock and the same
# contract (schemas/openapi.json) for a comparable wall-clock budget. Prints a Markdown table.
# Usage: bash bench/run.sh [--no-schemathesis]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/graph-conformance
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

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
echo "derive of 1,000 synthetic pages and render of 100,000 results:"
cargo run --release --quiet --example synth_pages -- 1000 "$work/pages" >/dev/null
/usr/bin/time -f "  derive: %e s, %M KB peak" "$bin" derive "$work/pages" --out "$work/derived" 2>&1 | tail -1
cargo run --release --quiet --example synth_results -- 100000 "$work/big.json" >/dev/null
/usr/bin/time -f "  render: %e s, %M KB peak" "$bin" report "$work/big.json" --report-dir "$work/big" 2>&1 | tail -1

[ "${1:-}" = "--no-schemathesis" ] && exit 0
echo
echo "Schemathesis (installed into $work/venv from PyPI) against the same mock, 60 s budget:"
python3 -m venv "$work/venv" && "$work/venv/bin/pip" install --quiet schemathesis
"$bin" mock --port 18765 >/dev/null 2>&1 &
sleep 1
start=$(date +%s.%N)
timeout 60 "$work/venv/bin/st" run schemas/openapi.json --url http://127.0.0.1:18765/beta \
  -H "Authorization: Bearer bench" --max-examples 100000 --checks not_a_server_error \
  > "$work/st.log" 2>&1 || true
end=$(date +%s.%N)
grep -Eo '[0-9]+ (generated|passed|failed)' "$work/st.log" | tail -3 || true
tail -5 "$work/st.log"
echo "  wall: $(python3 -c "print(f'{$end - $start:.1f}')") s"
