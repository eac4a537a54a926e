-- Scenario F, DPoP side: GET /v1/photos/{id} with each user's DPoP-bound token and a proof made for that one request.
-- A proof's jti is single-use (RFC 9449 §11.1), so the suite writes a fresh proof per request before the run
-- (BENCH_DPOP_PROOFS: "user path proof" lines; BENCH_DPOP_TOKENS: one token per line); each thread takes every n-th line.
-- Signing happens before the run, so the load generator does not compete with the API for the CPU while it measures.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local tokens = {}
  for line in io.lines(os.getenv("BENCH_DPOP_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  local count = tonumber(os.getenv("BENCH_THREADS"))
  local mine = thread_index or 0
  local n = 0
  requests = {}
  for line in io.lines(os.getenv("BENCH_DPOP_PROOFS")) do
    if n % count == mine then
      local user, path, proof = line:match("^(%d+) (%S+) (%S+)$")
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "DPoP " .. tokens[tonumber(user)], ["DPoP"] = proof })
    end
    n = n + 1
  end
  next_request = 0
end

-- Past the last proof it would start over and replay (401s, counted as errors): the suite writes more than a run can send.
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
