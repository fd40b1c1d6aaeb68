-- wrk script for bench_api.py: GET BENCH_PATH on one host with a signed-in member's
-- session (BENCH_SESSION) or an API token (BENCH_TOKEN); every answer must be a 200
-- carrying BENCH_MARKER (a page of tasks).
local host, session, token, marker, path = os.getenv("BENCH_HOST"), os.getenv("BENCH_SESSION"),
  os.getenv("BENCH_TOKEN"), os.getenv("BENCH_MARKER"), os.getenv("BENCH_PATH")
local headers = { ["Host"] = host, ["X-Forwarded-Proto"] = "https" }
if token then
  headers["Authorization"] = "Bearer " .. token
else
  headers["Cookie"] = "sessionid=" .. session
end
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  checked, wrong, failed, failed_status = 0, 0, 0, 0
end

function request()
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 then
    failed = failed + 1
    failed_status = status
  elseif not body:find(marker, 1, true) then
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
      .. ' "checked": %d, "wrong": %d, "p50_us": %d, "p95_us": %d, "a_failed_status": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    failed_all, checked_all, wrong_all, latency:percentile(50), latency:percentile(95),
    failed_status_any))
end
