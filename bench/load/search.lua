-- wrk script: hybrid searches over the AOL query words, each request a different query.
local queries = {}
local i = 0
function init(args)
  local f = io.open(args[1], "r")
  for line in f:lines() do
    local q = line:match('"query":%s*"(.-)"%s*,')
    if q and not q:find('\\') then table.insert(queries, q) end
  end
  f:close()
end
function request()
  i = i + 1
  local q = queries[(i % #queries) + 1]:gsub('"', ''):gsub('[%+%-]', '')
  local body = '{"query": "' .. q .. '", "k": 10, "mode": "hybrid", "snippet": false}'
  return wrk.format("POST", "/v1/collections/load/search", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
