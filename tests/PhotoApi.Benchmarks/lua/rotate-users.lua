-- Round-robin over a file of tokens (one per line): every request is a different user until the list wraps.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
local id = 0
setup = function(thread) id = id + 1; thread:set("offset", id * 7919) end
init = function(args) i = offset or 0 end
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/v1/photos?pageSize=1", { ["Authorization"] = "Bearer " .. tokens[i] })
end
