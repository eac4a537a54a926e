-- Scenario D: download the 1 MiB image (streamed from photo_chunks).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

function init(args)
  local req = wrk.format("GET", data.contentPath, { ["Authorization"] = "Bearer " .. data.heavyToken })
  request = function() return req end
end
