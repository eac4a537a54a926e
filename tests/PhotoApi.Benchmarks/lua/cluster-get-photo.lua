-- docs/performance.md, "Several instances behind HAProxy": GET /v1/photos/{id}, round robin over users and their photos.
-- CLUSTER_BENCH_REQUESTS: a file of "token photo-id" lines (one per user), written by the commands in that section.
-- Requests are formatted in init(), once wrk has set the Host header (HTTP/1.1 requires it; Kestrel answers 400 without).
local requests = {}
local n = 0

function init(args)
  for line in io.lines(os.getenv("CLUSTER_BENCH_REQUESTS")) do
    local token, id = line:match("^(%S+) (%S+)$")
    requests[#requests + 1] = wrk.format("GET", "/v1/photos/" .. id, { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  n = n % #requests + 1
  return requests[n]
end
