#!/usr/bin/env bash
# The programme service benchmark (BENCHMARKS.md, "Programme service"): starts the release
# `oa serve --demo` on a fresh SQLite file, signs in as the demo area lead, then runs wrk
# on loopback: area page reads (the area summary) and KPI-actual writes at 64 clients.
#   crates/oa-web/benches/wrk/run.sh [DURATION]     (needs `wrk`: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../../../.."
duration=${1:-20s}
bin=target/release/oa
[ -x "$bin" ] || cargo build --release -p oa
dir=$(mktemp -d)
export OA_DEMO_LEAD_PASSWORD=bench-lead-password
"$bin" serve --listen 127.0.0.1:18181 --database "$dir/oa.db" --demo > "$dir/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.log" && break; sleep 0.2; done
base=http://127.0.0.1:18181
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
curl -s "$base/api/health"; echo
