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
# The server's CPU time (user + system, in clock ticks) from /proc: divided by the
# requests a run served, it is the cost of one request, steadier than wall time on a
# machine shared with other work.
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
run() { # NAME, then wrk's arguments
  local name=$1; shift
  echo "== $name"
  local t0; t0=$(ticks)
  wrk "$@" | tee "$dir/wrk.out"
  local t1; t1=$(ticks)
  python3 - "$dir/wrk.out" "$t0" "$t1" "$hz" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = int(re.search(r"(\d+) requests in", text).group(1))
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print(f"server CPU: {cpu:.2f} s for {n} requests = {cpu / max(n, 1) * 1e6:.0f} us per request")
PY
}
run "reads: GET /api/areas/OA03/summary, 64 clients, $duration" \
  -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$base/api/areas/OA03/summary"
run "reads: GET /api/kpis?area_id=3 (uncached list), 64 clients, $duration" \
  -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$base/api/kpis?area_id=3"
export TOKEN=$token KPIS=$kpis
run "writes: PUT /api/kpis/{id}/actuals (KPIs $kpis), 64 clients, $duration" \
  -t2 -c64 -d"$duration" --latency -s crates/oa-web/benches/wrk/kpi_actuals.lua "$base"
curl -s -o /dev/null "$base/" -H "Cookie: oa_session=$token"   # draws and caches the map
run "page: GET / (national view), 16 clients, 10s" \
  -t2 -c16 -d10s --latency -H "Cookie: oa_session=$token" "$base/"
curl -s "$base/api/health"; echo
