-- Scenario E: 90% reads, 10% writes. In every ten requests: 7 GET /v1/photos/{id}, 2 GET /v1/photos (first page),
-- 1 POST /v1/photos (a new photo titled "bench write"; the suite deletes those before each run).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local list = {}
  for i, item in ipairs(data.items) do
    local auth = "Bearer " .. item.token
    local slot = i % 10
    if slot == 0 then
      list[i] = wrk.format("POST", "/v1/photos", { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
        '{"title":"bench write","description":"Written by scenario E"}')
    elseif slot <= 2 then
      list[i] = wrk.format("GET", "/v1/photos?pageSize=25", { ["Authorization"] = auth })
    else
      list[i] = wrk.format("GET", "/v1/photos/" .. item.photo, { ["Authorization"] = auth })
    end
  end
  request = round_robin(list)
end
