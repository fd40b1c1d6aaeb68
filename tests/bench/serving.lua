-- wrk script for bench_serving.py: every request goes to the next organization's host
-- with its signed-in member's session; every answer is checked for that organization's
-- marker. Run with one connection per thread (-t N -c N), so that each thread's response
-- belongs to its last request. BENCH_TARGETS: lines of "host<TAB>session key<TAB>marker".
local targets = {}
for line in io.lines(os.getenv("BENCH_TARGETS")) do
  local host, session, marker = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
  targets[#targets + 1] = { host = host, session = session, marker = marker }
end

local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  stride = tonumber(args[1])
  index = offset
  expected = nil
  checked, wrong, failed, failed_status = 0, 0, 0, 0
end

function request()
  expected = targets[(index % #targets) + 1]
  index = index + stride
  return wrk.format("GET", "/", {
    ["Host"] = expected.host,
    ["Cookie"] = "sessionid=" .. expected.session,
    ["X-Forwarded-Proto"] = "https",
  })
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 then
    failed = failed + 1
    failed_status = status
  elseif not body:find(expected.marker, 1, true) then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local checked_all, wrong_all, failed_all, failed_status_any = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    checked_all = checked_all + thread:get("checked")
    wrong_all = wrong_all + thread:get("wrong")
    failed_all = failed_all + thread:get("failed")
    if thread:get("failed_status") ~= 0 then failed_status_any = thread:get("failed_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_200": %d,'
      .. ' "checked": %d, "wrong": %d, "p50_us": %d, "p99_us": %d, "a_failed_status": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    failed_all, checked_all, wrong_all, latency:percentile(50), latency:percentile(99), failed_status_any))
end
