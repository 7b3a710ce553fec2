-- Argo CD health of a modelops.dev ModelVersion.
if obj.status == nil then
  return { status = "Progressing", message = "Waiting for the operator" }
end
local s = obj.status
if s.observedGeneration ~= nil and obj.metadata.generation ~= nil and s.observedGeneration < obj.metadata.generation then
  return { status = "Progressing", message = "Waiting for the operator to see the latest spec" }
end
local msg = s.message or ("phase " .. tostring(s.phase))
if s.phase == "Serving" or s.phase == "Registered" or s.phase == "Archived" or s.phase == "Superseded" then
  -- Superseded and Archived are settled states of the registry, not failures.
  return { status = "Healthy", message = msg }
elseif s.phase == "Failed" or s.phase == "Rejected" then
  -- Rejected: its shadow or canary analysis failed; production stayed with the previous version.
  return { status = "Degraded", message = msg }
end
-- Analysing (a shadow or canary rollout under way), Deploying: Progressing.
return { status = "Progressing", message = msg }
