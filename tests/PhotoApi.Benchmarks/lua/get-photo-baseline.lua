-- Scenario B: the same photos through the benchmark host's anonymous baseline endpoint (same handler and query, no auth).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local list = {}
  for i, item in ipairs(data.items) do
    list[i] = wrk.format("GET", "/bench/photos/" .. item.user .. "/" .. item.photo)
  end
  request = round_robin(list)
end
