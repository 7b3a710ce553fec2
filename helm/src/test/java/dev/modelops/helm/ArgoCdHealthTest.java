package dev.modelops.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.Condition;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health checks in helm/argocd/ run (LuaJ, as Argo CD runs them with gopher-lua) on
 * resources serialised from the project's own status types, in every phase.
 */
class ArgoCdHealthTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** status and message, as Argo CD reads them from the script's result. */
  static Map<String, String> health(String script, HasMetadata resource) throws Exception {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(JSON.valueToTree(resource)));
    LuaValue result = globals.load(Files.readString(Path.of("argocd/" + script)), script).call();
    return Map.of("status", result.get("status").tojstring(), "message", result.get("message").tojstring());
  }

  static LuaValue lua(JsonNode node) {
    if (node.isObject()) {
      LuaTable t = new LuaTable();
      node.fields().forEachRemaining(e -> t.set(e.getKey(), lua(e.getValue())));
      return t;
    }
    if (node.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        t.set(i + 1, lua(node.get(i)));
      }
      return t;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }

  static Condition ready(boolean ok, String reason, String message) {
    Condition c = new Condition();
    c.setType("Ready");
    c.setStatus(ok ? "True" : "False");
    c.setReason(reason);
    c.setMessage(message);
    return c;
  }

  static Experiment experiment(ExperimentStatus.Phase phase, long generation, long observed) {
    Experiment e = new Experiment();
    e.getMetadata().setName("churn-baseline");
    e.getMetadata().setGeneration(generation);
    if (phase != null) {
      ExperimentStatus s = new ExperimentStatus();
      s.setPhase(phase);
      s.setObservedGeneration(observed);
      s.setMessage("phase message");
      e.setStatus(s);
    }
    return e;
  }

  @Test
  void experiments() throws Exception {
    assertThat(health("experiment.lua", experiment(null, 1, 0))).containsEntry("status", "Progressing");
    assertThat(health("experiment.lua", experiment(ExperimentStatus.Phase.Running, 1, 1))).containsEntry("status", "Progressing");
    assertThat(health("experiment.lua", experiment(ExperimentStatus.Phase.Succeeded, 1, 1))).containsEntry("status", "Healthy");
    assertThat(health("experiment.lua", experiment(ExperimentStatus.Phase.Succeeded, 2, 1)))
        .containsEntry("status", "Progressing").containsEntry("message", "Waiting for the operator to see the latest spec");
    assertThat(health("experiment.lua", experiment(ExperimentStatus.Phase.Failed, 1, 1)))
        .containsEntry("status", "Degraded").containsEntry("message", "phase message");
    Experiment invalid = experiment(ExperimentStatus.Phase.Pending, 1, 1);
    invalid.getStatus().setConditions(List.of(ready(false, "InvalidSpec", "spec.search.parameters[0].name: 'depth' is not an XGBoost parameter")));
    assertThat(health("experiment.lua", invalid)).containsEntry("status", "Degraded")
        .containsEntry("message", "spec.search.parameters[0].name: 'depth' is not an XGBoost parameter");
  }

  @Test
  void modelVersions() throws Exception {
    Map<ModelVersionStatus.Phase, String> expected = Map.of(
        ModelVersionStatus.Phase.Registered, "Healthy", ModelVersionStatus.Phase.Deploying, "Progressing",
        ModelVersionStatus.Phase.Serving, "Healthy", ModelVersionStatus.Phase.Superseded, "Healthy",
        ModelVersionStatus.Phase.Archived, "Healthy", ModelVersionStatus.Phase.Failed, "Degraded",
        ModelVersionStatus.Phase.Analysing, "Progressing", ModelVersionStatus.Phase.Rejected, "Degraded");
    assertThat(expected).hasSize(ModelVersionStatus.Phase.values().length);
    for (var e : expected.entrySet()) {
      ModelVersion mv = new ModelVersion();
      mv.getMetadata().setGeneration(1L);
      ModelVersionStatus s = new ModelVersionStatus();
      s.setPhase(e.getKey());
      s.setObservedGeneration(1L);
      mv.setStatus(s);
      assertThat(health("modelversion.lua", mv)).as(e.getKey().name()).containsEntry("status", e.getValue());
    }
    assertThat(health("modelversion.lua", new ModelVersion())).containsEntry("status", "Progressing");
  }

  @Test
  void aFailedModelVersionIsDegradedWithTheOperatorsReason() throws Exception {
    // As the operator records a version whose model server crash-loops (ServingDecisionTest).
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setGeneration(3L);
    ModelVersionStatus s = new ModelVersionStatus();
    s.setObservedGeneration(3L);
    s.setPhase(ModelVersionStatus.Phase.Failed);
    s.setReceivesProductionTraffic(false);
    s.setReplicas(2);
    s.setReadyReplicas(0);
    String message = "pod churn-v2-5b8d-qqqqq container model-server: CrashLoopBackOff: back-off 5m0s (last exit 1, Error)";
    s.setMessage(message);
    s.setConditions(List.of(new Condition("Ready", "False", "CrashLoopBackOff", message, "2026-01-01T00:00:00Z", 3L)));
    mv.setStatus(s);
    assertThat(health("modelversion.lua", mv)).containsEntry("status", "Degraded").containsEntry("message", message);
  }

  @Test
  void aModelVersionUnderShadowAnalysisIsProgressingWithTheStepItIsAtAndARejectedOneDegradedWithTheFailedCheck() throws Exception {
    // As the operator records a candidate under analysis, then rejected (RolloutDecisionTest).
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setGeneration(1L);
    ModelVersionStatus s = new ModelVersionStatus();
    s.setObservedGeneration(1L);
    s.setPhase(ModelVersionStatus.Phase.Analysing);
    s.setReceivesProductionTraffic(false);
    String running = "step 1 of 1: 120 of 200 rows, running since 2026-11-29T12:00:00Z (at least 2m)";
    s.setMessage(running);
    ModelVersionStatus.Analysis a = new ModelVersionStatus.Analysis();
    a.setStrategy("Shadow");
    a.setResult("Running");
    a.setBaseline("churn-v1");
    s.setAnalysis(a);
    s.setConditions(List.of(new Condition("Ready", "False", "Analysing", running, "2026-11-29T12:00:00Z", 1L)));
    mv.setStatus(s);
    assertThat(health("modelversion.lua", mv)).containsEntry("status", "Progressing").containsEntry("message", running);

    String rejected = "rejected: step 1 of 1: classDisagreement 0.3688 over 0.1000 (160 rows compared); production stays with churn-v1;"
        + " change the spec to try again";
    s.setPhase(ModelVersionStatus.Phase.Rejected);
    s.setMessage(rejected);
    a.setResult("Failed");
    assertThat(health("modelversion.lua", mv)).containsEntry("status", "Degraded").containsEntry("message", rejected);
  }

  @Test
  void driftPolicies() throws Exception {
    Map<DriftPolicyStatus.State, String> expected = Map.of(
        DriftPolicyStatus.State.Unknown, "Progressing", DriftPolicyStatus.State.Healthy, "Healthy",
        DriftPolicyStatus.State.Warning, "Healthy", DriftPolicyStatus.State.Retraining, "Progressing",
        DriftPolicyStatus.State.Drifted, "Degraded", DriftPolicyStatus.State.Alerting, "Degraded");
    assertThat(expected).hasSize(DriftPolicyStatus.State.values().length);
    for (var e : expected.entrySet()) {
      DriftPolicy p = new DriftPolicy();
      DriftPolicyStatus s = new DriftPolicyStatus();
      s.setState(e.getKey());
      s.setMessage("state message");
      p.setStatus(s);
      assertThat(health("driftpolicy.lua", p)).as(e.getKey().name()).containsEntry("status", e.getValue()).containsEntry("message", "state message");
    }
    DriftPolicy invalid = new DriftPolicy();
    DriftPolicyStatus s = new DriftPolicyStatus();
    s.setState(DriftPolicyStatus.State.Healthy);
    s.setConditions(List.of(ready(false, "InvalidCheck", "spec.checks feature 'contrct' is not a feature of the served model")));
    invalid.setStatus(s);
    assertThat(health("driftpolicy.lua", invalid)).containsEntry("status", "Degraded");
    assertThat(health("driftpolicy.lua", new DriftPolicy())).containsEntry("status", "Progressing");
  }
}
