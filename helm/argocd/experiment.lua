-- Argo CD health of a modelops.dev Experiment.
local hs = { status = "Progressing", message = "Waiting for the operator" }
if obj.status == nil then
  return hs
end
local s = obj.status
if s.observedGeneration ~= nil and obj.metadata.generation ~= nil and s.observedGeneration < obj.metadata.generation then
  hs.message = "Waiting for the operator to see the latest spec"
  return hs
end
if s.conditions ~= nil then
  for _, c in ipairs(s.conditions) do
    if c.type == "Ready" and c.status == "False" and c.reason == "InvalidSpec" then
      return { status = "Degraded", message = c.message or "invalid spec" }
    end
  end
end
if s.phase == "Succeeded" then
  return { status = "Healthy", message = s.message or "finished" }
elseif s.phase == "Failed" then
  return { status = "Degraded", message = s.message or "failed" }
end
hs.message = s.message or ("phase " .. tostring(s.phase))
return hs
