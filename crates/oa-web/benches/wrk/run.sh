#!/usr/bin/env bash
# The programme service benchmark (BENCHMARKS.md, "Programme service"): starts the release
# `oa serve --demo` on a fresh SQLite file, signs in as the demo area lead, then runs wrk
# on loopback: area page reads (the area summary), an uncached list and KPI-actual writes
# at 64 clients, and the national page at 16 clients (with the map when OA_DATA_DIR is set).
#   crates/oa-web/benches/wrk/run.sh [DURATION]     (needs `wrk`: apt-get install wrk)
#   OA_BIN=/path/to/oa crates/oa-web/benches/wrk/run.sh 20s   (another build, e.g. an older one)
# The per-user write rate is lifted for the run (--writes-per-second): one lead sending
# thousands of writes a second is exactly what the default limit (10/s) refuses with 429.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
duration=${1:-20s}
bin=${OA_BIN:-target/release/oa}
[ -x "$bin" ] || cargo build --release -p oa
dir=$(mktemp -d)
export OA_DEMO_LEAD_PASSWORD=bench-lead-password
limits=()
if "$bin" serve --help | grep -q -- --writes-per-second; then
  limits=(--writes-per-second 1000000 --write-burst 1000000)
fi
"$bin" serve --listen 127.0.0.1:18181 --database "$dir/oa.db" --demo "${limits[@]}" > "$dir/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.log" && break; sleep 0.2; done
base=http://127.0.0.1:18181
# One sign-in: its secret is both the bearer token and the session cookie (a second
# sign-in would end the first session).
token=$(curl -s -X POST "$base/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"lead.blackpool@example.org\",\"password\":\"$OA_DEMO_LEAD_PASSWORD\"}" |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
kpis=$(curl -s "$base/api/kpis?area_id=3" -H "authorization: Bearer $token" |
  python3 -c 'import sys, json; print(",".join(str(k["id"]) for k in json.load(sys.stdin)["items"]))')
echo "== reads: GET /api/areas/OA03/summary, 64 clients, $duration"
wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$base/api/areas/OA03/summary"
echo "== reads: GET /api/kpis?area_id=3 (uncached list), 64 clients, $duration"
wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$base/api/kpis?area_id=3"
echo "== writes: PUT /api/kpis/{id}/actuals (KPIs $kpis), 64 clients, $duration"
TOKEN=$token KPIS=$kpis wrk -t2 -c64 -d"$duration" --latency -s crates/oa-web/benches/wrk/kpi_actuals.lua "$base"
curl -s -o /dev/null "$base/" -H "Cookie: oa_session=$token"   # draws and caches the map
echo "== page: GET / (national view), 16 clients, 10s"
wrk -t2 -c16 -d10s --latency -H "Cookie: oa_session=$token" "$base/"
curl -s "$base/api/health"; echo
