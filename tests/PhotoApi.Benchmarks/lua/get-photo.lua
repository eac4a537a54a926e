-- Scenario A: GET /v1/photos/{id} with each user's own valid token (RS256), over data.items in turn.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local list = {}
  for i, item in ipairs(data.items) do
    list[i] = wrk.format("GET", "/v1/photos/" .. item.photo, { ["Authorization"] = "Bearer " .. item.token })
  end
  request = round_robin(list)
end
