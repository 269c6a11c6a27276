-- wrk script for scripts/soak.py. Each request takes the next of the paths given
-- after `--`, in turn; every answer is counted by the second it came in and by
-- whether it was a 2xx (a 3xx counts as an error too: no page of the soak redirects).
-- After the run, one SOAK_JSON line gives the totals, the latency percentiles
-- (microseconds) and the counts per second, which soak.py parses.

local threads = {}
local paths = {}
local next_path = 0
-- Each thread's own counts, summed in done(): answers by the second they came in.
-- Flat tables of numbers: thread:get() crashes wrk 4.1 on a table of tables.
ok_by_second = {}
errors_by_second = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for _, path in ipairs(args) do
    table.insert(paths, path)
  end
  -- Threads start at different places in the list.
  next_path = math.random(#paths)
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  local second = os.time()
  if status >= 200 and status < 300 then
    ok_by_second[second] = (ok_by_second[second] or 0) + 1
  else
    errors_by_second[second] = (errors_by_second[second] or 0) + 1
  end
end

function done(summary, latency, requests)
  local seconds = {}
  for _, thread in ipairs(threads) do
    for column, name in ipairs({"ok_by_second", "errors_by_second"}) do
      for second, count in pairs(thread:get(name)) do
        seconds[second] = seconds[second] or {0, 0}
        seconds[second][column] = seconds[second][column] + count
      end
    end
  end
  local rows = {}
  for second, counts in pairs(seconds) do
    table.insert(rows, string.format("[%d, %d, %d]", second, counts[1], counts[2]))
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK_JSON {"requests": %d, "duration_s": %.3f, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, ' ..
    '"errors_status": %d, "errors_timeout": %d, "by_second": [%s]}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status,
    e.timeout, table.concat(rows, ", ")))
end
