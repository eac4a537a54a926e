-- Scenario C: one page of the heavy user's photos; BENCH_PAGE is "first" (page 1) or "deep" (10,000 rows in).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local path = os.getenv("BENCH_PAGE") == "deep" and data.deepPage or data.firstPage
  local req = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. data.heavyToken })
  request = function() return req end
end
