-- Argo CD health of a modelops.dev DriftPolicy.
if obj.status == nil or obj.status.state == nil then
  return { status = "Progressing", message = "Waiting for the first evaluation" }
end
local s = obj.status
local msg = s.message or s.state
if s.conditions ~= nil then
  for _, c in ipairs(s.conditions) do
    if c.type == "Ready" and c.status == "False" and (c.reason == "InvalidCheck" or c.reason == "RetrainTemplateInvalid") then
      return { status = "Degraded", message = c.message or msg }
    end
  end
end
if s.state == "Healthy" or s.state == "Warning" then
  return { status = "Healthy", message = msg }
elseif s.state == "Retraining" then
  return { status = "Progressing", message = msg }
elseif s.state == "Drifted" or s.state == "Alerting" then
  return { status = "Degraded", message = msg }
end
return { status = "Progressing", message = msg }
