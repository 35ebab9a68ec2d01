-- wrk script for the bank's HTTP API. WORKLOAD picks the request:
--   deposit  (default) 1 to 100 cents to one of acc0..acc<N-1>
--   transfer           1 cent between two different ones of them
--   open               a new account, with an id no request used before
-- (N = ACCOUNTS, default 1000). Every request has a fresh Idempotency-Key
-- (a random UUID), so none is a repeat of another. At the end it prints the
-- answers by status and the latency percentiles.
local workload = os.getenv("WORKLOAD") or "deposit"
local accounts = tonumber(os.getenv("ACCOUNTS") or "1000")
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
  counter = 0
  run = string.format("%x", math.random(0, 0xffffff))
end

local function uuid()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

local function post(path, body)
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Idempotency-Key"] = uuid()},
    body)
end

function request()
  counter = counter + 1
  if workload == "open" then
    return post("/accounts",
      '{"owner":"o","id":"n' .. run .. "t" .. id .. "c" .. counter .. '"}')
  end
  local from = math.random(0, accounts - 1)
  if workload == "transfer" then
    local to = (from + math.random(1, accounts - 1)) % accounts
    return post("/transfers", '{"from":"acc' .. from .. '","to":"acc' .. to
      .. '","amount":1}')
  end
  return post("/accounts/acc" .. from .. "/deposit",
    '{"amount":' .. math.random(1, 100) .. '}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d: %d\n", status, n))
  end
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("p%d: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
