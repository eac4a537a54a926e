-- Breakdown of A - B: the same photos with the same tokens through /bench/auth/photos/{id}, which runs B's handler after
-- calling the API's authentication, authorization and user lookup itself (none of the API's middlewares or filters).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local list = {}
  for i, item in ipairs(data.items) do
    list[i] = wrk.format("GET", "/bench/auth/photos/" .. item.photo, { ["Authorization"] = "Bearer " .. item.token })
  end
  request = round_robin(list)
end
