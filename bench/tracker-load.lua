-- wrk's script for the tracker benchmark's timed load (bench/tracker-load.ts):
-- every request is a GET of one line of the file named by TRACKER_LOAD_PATHS
-- (one announce path a line), the line picked uniformly at random; when the
-- run ends, one JSON line on stdout with its requests, duration, errors and
-- latency percentiles.
--
-- wrk loads this file in its main Lua state and once more in each thread's:
-- the paths are read in init, which runs in the threads' states only.

local thread_count = 0

-- Main state: numbers every thread, so that each one seeds its generator apart.
function setup (thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

local requests = {}
local count = 0
local random = math.random

function init (args)
  local file = os.getenv("TRACKER_LOAD_PATHS")
  if file == nil or file == "" then error("TRACKER_LOAD_PATHS names no file of announce paths") end
  -- The requests are formatted once, here: a request then costs a random number and a table read.
  for line in io.lines(file) do
    if line ~= "" then
      count = count + 1
      requests[count] = wrk.format("GET", line)
    end
  end
  if count == 0 then error(file .. " holds no announce path") end
  local seed = tonumber(os.getenv("TRACKER_LOAD_SEED") or "") or os.time()
  math.randomseed(seed + 7919 * (thread_index or 0))
end

function request ()
  return requests[random(count)]
end

-- Main state, after the run: percentiles from 0 to 100 % in steps of 0.1 %, in
-- microseconds. wrk's percentile(100) ranks past the last request (it returns
-- 0), so the top one is the maximum.
function done (summary, latency, _)
  local percentiles = {}
  for i = 0, 1000 do
    percentiles[#percentiles + 1] = string.format("%d", i == 1000 and latency.max or latency:percentile(i / 10))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"latencyMicros":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status, table.concat(percentiles, ",")))
  io.flush()
end
