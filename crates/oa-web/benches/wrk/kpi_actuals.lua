-- wrk script: KPI actuals written by an area lead, rotating over the KPIs in KPIS
-- (comma-separated ids) and the academic years 2016/17 to 2021/22 of the demo plans.
-- Each request is an upsert: PUT /api/kpis/{id}/actuals.
local token = os.getenv("TOKEN")
local kpis = {}
for id in string.gmatch(os.getenv("KPIS") or "", "([^,]+)") do
  table.insert(kpis, id)
end
local counter = 0


request = function()
  counter = counter + 1
  local start = 2016 + (counter % 6)
  local period = string.format("%d/%02d", start, (start + 1) % 100)
  local kpi = kpis[(counter % #kpis) + 1]
  -- A change of a recorded figure needs its reason (issue 14).
  local body = string.format('{"period":"%s","actual":%d.5,"reason":"load test"}', period, counter % 100)
  return wrk.format("PUT", "/api/kpis/" .. kpi .. "/actuals", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
