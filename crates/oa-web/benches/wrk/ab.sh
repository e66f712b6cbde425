#!/usr/bin/env bash
# Two builds of `oa` side by side (BENCHMARKS.md, "Programme service", before and after):
# both serve the demo at once on their own SQLite files, and wrk alternates between them
# ROUNDS times (area summary and KPI writes at 64 clients, the national page at 16, 10 s
# each), so that both see the same load from the rest of the machine. Prints one line per
# build per round.
#   ROUNDS=5 OA_DATA_DIR=../shared/data crates/oa-web/benches/wrk/ab.sh OLD_OA NEW_OA
set -euo pipefail
cd "$(dirname "$0")/../../../.."
ROUNDS=${ROUNDS:-5}
dir=$(mktemp -d)
export OA_DEMO_LEAD_PASSWORD=bench-lead-password
declare -A bin=([before]=$1 [after]=$2) port=([before]=18281 [after]=18282) pid token kpis
for v in before after; do
  extra=()
  if "${bin[$v]}" serve --help | grep -q -- --writes-per-second; then
    extra=(--writes-per-second 1000000 --write-burst 1000000)
  fi
  "${bin[$v]}" serve --listen 127.0.0.1:${port[$v]} --database "$dir/$v.db" --demo "${extra[@]}" > "$dir/$v.log" 2>&1 &
  pid[$v]=$!
done
trap 'kill -TERM ${pid[before]} ${pid[after]} 2>/dev/null; wait; rm -rf "$dir"' EXIT
for v in before after; do
  for _ in $(seq 1 100); do grep -q "listening on" "$dir/$v.log" && break; sleep 0.2; done
  base=http://127.0.0.1:${port[$v]}
  token[$v]=$(curl -s -X POST "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"lead.blackpool@example.org\",\"password\":\"$OA_DEMO_LEAD_PASSWORD\"}" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
  kpis[$v]=$(curl -s "$base/api/kpis?area_id=3" -H "authorization: Bearer ${token[$v]}" | python3 -c 'import sys, json; print(",".join(str(k["id"]) for k in json.load(sys.stdin)["items"]))')
  curl -s -o /dev/null "$base/" -H "Cookie: oa_session=${token[$v]}"
done
for r in $(seq 1 $ROUNDS); do
  for v in before after; do
    base=http://127.0.0.1:${port[$v]}
    s=$(wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer ${token[$v]}" "$base/api/areas/OA03/summary")
    w=$(TOKEN=${token[$v]} KPIS=${kpis[$v]} wrk -t2 -c64 -d10s --latency -s crates/oa-web/benches/wrk/kpi_actuals.lua "$base")
    n=$(wrk -t2 -c16 -d10s --latency -H "Cookie: oa_session=${token[$v]}" "$base/")
    f() { echo "$1" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$NF} END{printf "%s req/s p50 %s p99 %s non2xx %s", r, p50, p99, (e==""?0:e)}'; }
    echo "round $r $v | summary: $(f "$s") | writes: $(f "$w") | national: $(f "$n") | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
