-- wrk script: deposits of 1 to 100 cents to accounts acc0..acc<N-1>
-- (N = ACCOUNTS, default 1000), each with a fresh Idempotency-Key (a
-- random UUID) so that no request is a repeat of another. Counts answers
-- by status at the end.
local accounts = tonumber(os.getenv("ACCOUNTS") or "1000")
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  statuses = {}
end

local function uuid()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function request()
  counter = counter + 1
  local acc = math.random(0, accounts - 1)
  return wrk.format("POST", "/accounts/acc" .. acc .. "/deposit",
    {["Content-Type"] = "application/json", ["Idempotency-Key"] = uuid()},
    '{"amount":' .. math.random(1, 100) .. '}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do all[k] = (all[k] or 0) + v end
  end
  for k, v in pairs(all) do
    io.write(string.format("status %d: %d\n", k, v))
  end
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("p%d: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
