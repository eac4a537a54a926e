-- The peers' scenarios (and PhotoApi's side of them): GET /v1/photos/{id} over BENCH_ITEMS, a file of "token photo-id"
-- lines written by the suite: one hot token and its photos, 20,000 distinct users' tokens, or opaque tokens. Round-robin,
-- each thread from its own offset. BENCH_SCHEME is the Authorization scheme (Bearer).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local scheme = os.getenv("BENCH_SCHEME") or "Bearer"
  local list = {}
  for line in io.lines(os.getenv("BENCH_ITEMS")) do
    local token, photo = line:match("^(%S+) (%S+)$")
    list[#list + 1] = wrk.format("GET", "/v1/photos/" .. photo, { ["Authorization"] = scheme .. " " .. token })
  end
  request = round_robin(list)
end
