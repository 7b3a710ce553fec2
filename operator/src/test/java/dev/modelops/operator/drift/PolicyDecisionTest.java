package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicySpec.CheckMetric;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.S3Access;
import dev.modelops.operator.Labels;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The DriftPolicy decision as a pure function: due-time, bands, the retrain rule with its
 * cooldown and concurrency, the desired retraining Experiment, Events and the webhook. The same
 * behaviour on a real API server with real model servers is e2e's DriftPolicyIT.
 */
class PolicyDecisionTest {
  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  /** A policy as the API server returns it, defaults applied: interval 5m, minSamples 500, cooldown 24h, maxConcurrent 1. */
  static DriftPolicy policy(String webhook) {
    DriftPolicy p = new DriftPolicy();
    p.getMetadata().setName("churn-drift");
    p.getMetadata().setNamespace("shop");
    p.getMetadata().setUid("uid-1");
    p.getMetadata().setGeneration(1L);
    DriftPolicySpec spec = new DriftPolicySpec();
    spec.setModel("churn");
    spec.setInterval("5m");
    spec.setMinSamples(500);
    spec.setChecks(List.of(DriftPolicyRulesTest.check(CheckMetric.featureDrift, "contract", 0.1, 0.2, 0.9)));
    spec.setSource(new DriftPolicySpec.MetricsSource());
    DriftPolicySpec.Retrain retrain = new DriftPolicySpec.Retrain();
    retrain.setExperiment("churn-baseline");
    retrain.setDatasetUri("pvc://churn-data/latest.csv");
    retrain.setCooldown("24h");
    retrain.setMaxConcurrent(1);
    spec.setRetrain(retrain);
    if (webhook != null) {
      DriftPolicySpec.Alert alert = new DriftPolicySpec.Alert();
      alert.setWebhook(webhook);
      spec.setAlert(alert);
    }
    p.setSpec(spec);
    return p;
  }

  static ModelVersion version(int n, ModelVersionSpec.Stage stage, boolean routed) {
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setName("churn-v" + n);
    mv.getMetadata().setNamespace("shop");
    mv.getMetadata().setCreationTimestamp(NOW.minus(Duration.ofDays(1)).toString());
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel("churn");
    spec.setVersion(n);
    spec.setStage(stage);
    mv.setSpec(spec);
    ModelVersionStatus status = new ModelVersionStatus();
    status.setReceivesProductionTraffic(routed);
    mv.setStatus(status);
    return mv;
  }

  static Experiment template(String model) {
    Experiment e = new Experiment();
    e.getMetadata().setName("churn-baseline");
    ExperimentSpec spec = new ExperimentSpec();
    spec.setModel(model);
    ExperimentSpec.Dataset dataset = new ExperimentSpec.Dataset();
    dataset.setUri("pvc://churn-data/2025.csv");
    spec.setDataset(dataset);
    e.setSpec(spec);
    return e;
  }

  static Experiment retrain(int n, Instant created, ExperimentStatus.Phase phase) {
    Experiment e = RetrainExperiment.desired(policy(null), template("churn"), version(1, ModelVersionSpec.Stage.Production, true), n, "drift");
    e.getMetadata().setCreationTimestamp(created.toString());
    if (phase != null) {
      e.setStatus(new ExperimentStatus());
      e.getStatus().setPhase(phase);
    }
    return e;
  }

  @Test
  void aRetrainStartsItsSearchFromTheParametersOfTheVersionItRetrains() {
    Experiment template = template("churn");
    ExperimentSpec.Search search = new ExperimentSpec.Search();
    ExperimentSpec.SearchParameter depth = new ExperimentSpec.SearchParameter();
    depth.setName("max_depth");
    depth.setType(ExperimentSpec.ParameterType.INT);
    depth.setMin(2.0);
    depth.setMax(8.0);
    ExperimentSpec.SearchParameter eta = new ExperimentSpec.SearchParameter();
    eta.setName("eta");
    eta.setType(ExperimentSpec.ParameterType.DOUBLE);
    eta.setMin(0.01);
    eta.setMax(0.3);
    search.setParameters(List.of(depth, eta));
    template.getSpec().setSearch(search);
    ModelVersion mv = version(1, ModelVersionSpec.Stage.Production, true);
    ModelVersionSpec.Source source = new ModelVersionSpec.Source();
    // eta 0.5 is outside the template's range now, subsample it no longer searches: both left out.
    source.setParams(Map.of("max_depth", "5", "eta", "0.5", "subsample", "0.8"));
    mv.getSpec().setSource(source);
    assertThat(RetrainExperiment.desired(policy(null), template, mv, 1, "drift").getSpec().getSearch().getWarmStart())
        .isEqualTo(Map.of("max_depth", "5"));
    assertThat(template.getSpec().getSearch().getWarmStart()).as("the template is not changed").isNull();
    mv.getSpec().setSource(null);
    assertThat(RetrainExperiment.desired(policy(null), template, mv, 2, "drift").getSpec().getSearch().getWarmStart())
        .as("a version registered by hand: no warm start").isNull();
  }

  static PolicyObservation drifted(double contract, List<Experiment> retrains, Experiment template) {
    return new PolicyObservation(version(1, ModelVersionSpec.Stage.Production, true), DriftPolicyRulesTest.observation(1000, contract, 0.05),
        null, retrains, template, null);
  }

  /** The policy after a decision, as the record step leaves it. */
  static DriftPolicy after(DriftPolicy p, PolicyDecision.Outcome o) {
    p.setStatus(o.status());
    return p;
  }

  static List<String> events(PolicyDecision.Outcome o) {
    return o.actions().stream().filter(a -> a instanceof PolicyAction.Announce).map(a -> ((PolicyAction.Announce) a).announcement().reason()).toList();
  }

  @Test
  void healthyThenNotEvaluatedAgainBeforeTheIntervalUnlessTheSpecChanges() {
    DriftPolicy p = policy(null);
    assertThat(PolicyDecision.wait(p, NOW)).isEmpty();
    PolicyDecision.Outcome o = PolicyDecision.decide(p, drifted(0.01, List.of(), template("churn")), NOW);
    assertThat(o.status().getState()).isEqualTo(State.Healthy);
    assertThat(o.status().getModelVersion()).isEqualTo("churn-v1");
    assertThat(o.next()).isEqualTo(Duration.ofMinutes(5));
    assertThat(Instant.parse(o.status().getNextEvaluationTime())).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    assertThat(events(o)).containsExactly("WatchingVersion", "Healthy");
    after(p, o);
    assertThat(PolicyDecision.wait(p, NOW.plusSeconds(60))).contains(Duration.ofMinutes(4));
    assertThat(PolicyDecision.wait(p, NOW.plus(Duration.ofMinutes(5)))).isEmpty();
    p.getMetadata().setGeneration(2L);
    assertThat(PolicyDecision.wait(p, NOW.plusSeconds(60))).as("a spec change is evaluated at once").isEmpty();
  }

  @Test
  void aRetrainRegistersWithTheTemplatesRolloutSoItsVersionReachesProductionOnlyOnEvidence() {
    Experiment template = template("churn");
    ExperimentSpec.Register register = new ExperimentSpec.Register();
    register.setPromote(ExperimentSpec.PromotionMode.AUTO);
    dev.modelops.api.v1alpha1.Rollout shadow = new dev.modelops.api.v1alpha1.Rollout();
    shadow.setStrategy(dev.modelops.api.v1alpha1.Rollout.Strategy.Shadow);
    shadow.setShare(0.25);
    register.setRollout(shadow);
    template.getSpec().setRegister(register);
    PolicyDecision.Outcome o = PolicyDecision.decide(policy(null), drifted(0.4, List.of(), template), NOW);
    assertThat(o.actions().get(0)).isInstanceOfSatisfying(PolicyAction.StartRetrain.class,
        s -> assertThat(s.experiment().getSpec().getRegister().getRollout()).isEqualTo(shadow));
  }

  @Test
  void driftRetrainsOnceFromTheTemplateThenWaitsForTheRunningOneAndTheCooldown() {
    DriftPolicy p = policy(null);
    PolicyDecision.Outcome o = PolicyDecision.decide(p, drifted(0.4, List.of(), template("churn")), NOW);
    assertThat(o.status().getState()).isEqualTo(State.Retraining);
    assertThat(o.actions().get(0)).isInstanceOfSatisfying(PolicyAction.StartRetrain.class, s -> {
      Experiment e = s.experiment();
      assertThat(e.getMetadata().getName()).isEqualTo("churn-drift-retrain-1");
      assertThat(e.getSpec().getDataset().getUri()).isEqualTo("pvc://churn-data/latest.csv");
      assertThat(e.getMetadata().getLabels()).containsEntry(Labels.DRIFT_POLICY, "churn-drift").containsEntry(Labels.RETRAIN_INDEX, "1");
      assertThat(e.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getUid()).isEqualTo("uid-1"));
    });
    assertThat(o.status().getRetrainCount()).isEqualTo(1);
    assertThat(o.status().getRetrains()).singleElement().satisfies(r -> assertThat(r.getReason()).contains("featureDrift[contract]"));
    assertThat(events(o)).contains("RetrainStarted");
    after(p, o);

    PolicyDecision.Outcome stale = PolicyDecision.decide(p, drifted(0.4, List.of(), template("churn")), NOW.plusSeconds(1));
    assertThat(stale.actions()).as("an informer that has not delivered retrain 1 yet does not make a second")
        .noneMatch(a -> a instanceof PolicyAction.StartRetrain);

    Experiment running = retrain(1, NOW, null);
    Instant later = NOW.plus(Duration.ofMinutes(5));
    PolicyDecision.Outcome again = PolicyDecision.decide(p, drifted(0.4, List.of(running), template("churn")), later);
    assertThat(again.status().getState()).isEqualTo(State.Retraining);
    assertThat(again.actions()).noneMatch(a -> a instanceof PolicyAction.StartRetrain);
    assertThat(again.status().getMessage()).contains("maxConcurrent 1");

    Experiment done = retrain(1, NOW, ExperimentStatus.Phase.Succeeded);
    PolicyDecision.Outcome cooling = PolicyDecision.decide(p, drifted(0.4, List.of(done), template("churn")), NOW.plus(Duration.ofHours(3)));
    assertThat(cooling.status().getState()).isEqualTo(State.Drifted);
    assertThat(cooling.status().getMessage()).contains("cooldown");
    assertThat(cooling.actions()).noneMatch(a -> a instanceof PolicyAction.StartRetrain);

    PolicyDecision.Outcome second = PolicyDecision.decide(p, drifted(0.4, List.of(done), template("churn")), NOW.plus(Duration.ofHours(25)));
    assertThat(second.actions().get(0)).isInstanceOfSatisfying(PolicyAction.StartRetrain.class,
        s -> assertThat(s.experiment().getMetadata().getName()).isEqualTo("churn-drift-retrain-2"));
    assertThat(second.status().getRetrains()).hasSize(2);
  }

  @Test
  void anUnusableTemplateOrARefusedExperimentIsReportedOnceAndNothingIsCreated() {
    DriftPolicy p = policy(null);
    PolicyDecision.Outcome missing = PolicyDecision.decide(p, drifted(0.4, List.of(), null), NOW);
    assertThat(missing.status().getState()).isEqualTo(State.Drifted);
    assertThat(missing.status().getMessage()).contains("'churn-baseline' does not exist in namespace shop");
    assertThat(Conditions.find(missing.status().getConditions(), Conditions.READY).getReason()).isEqualTo("RetrainTemplateInvalid");
    assertThat(missing.actions()).noneMatch(a -> a instanceof PolicyAction.StartRetrain);
    assertThat(events(missing)).contains("RetrainTemplateInvalid");

    PolicyDecision.Outcome otherModel = PolicyDecision.decide(policy(null), drifted(0.4, List.of(), template("fraud")), NOW);
    assertThat(otherModel.status().getMessage()).contains("trains model 'fraud', not 'churn'");

    PolicyObservation refused = drifted(0.4, List.of(), template("churn")).refused("spec.search: Required value");
    PolicyDecision.Outcome o = PolicyDecision.decide(after(p, missing), refused, NOW.plus(Duration.ofMinutes(5)));
    assertThat(o.status().getMessage()).isEqualTo("spec.search: Required value");
    assertThat(o.status().getRetrainCount()).isNull();
    assertThat(events(o)).as("the same reason is not announced again").doesNotContain("RetrainTemplateInvalid");
  }

  @Test
  void withFormatSlackTheWebhookGetsASlackMessageNamingModelStateAndChecks() throws Exception {
    DriftPolicy p = policy("http://hooks.example/drift");
    p.getSpec().setRetrain(null);
    p.getSpec().getAlert().setFormat(DriftPolicySpec.WebhookFormat.SLACK);
    PolicyDecision.Outcome o = PolicyDecision.decide(p, drifted(0.95, List.of(), null), NOW);
    assertThat(o.status().getState()).isEqualTo(State.Alerting);
    String json = o.actions().stream().filter(a -> a instanceof PolicyAction.Notify).map(a -> ((PolicyAction.Notify) a).json())
        .findFirst().orElseThrow();
    var message = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    assertThat(message.has("state")).as("not the json format's fields").isFalse();
    assertThat(message.path("text").asText()).startsWith(":rotating_light: Model churn (churn-v1) is Alerting, DriftPolicy shop/churn-drift: ")
        .contains(o.status().getMessage().replace(">", "&gt;").replace("<", "&lt;"));
    assertThat(o.status().getMessage()).contains("contract");
    List<String> blocks = new ArrayList<>();
    message.path("blocks").forEach(b -> blocks.add(b.path("type").asText()));
    assertThat(blocks).containsExactly("header", "section", "context");
    assertThat(message.path("blocks").get(0).path("text").path("text").asText()).isEqualTo("Model churn: Alerting");
    assertThat(message.path("blocks").get(2).path("elements").get(0).path("text").asText())
        .isEqualTo("DriftPolicy shop/churn-drift · version churn-v1 · " + NOW);
  }

  @Test
  void warningsGoToTheWebhookOnceAndAnUnreadableSourceRetriesSooner() {
    DriftPolicy p = policy("http://hooks.example/drift");
    p.getSpec().setRetrain(null);
    PolicyDecision.Outcome o = PolicyDecision.decide(p, drifted(0.15, List.of(), null), NOW);
    assertThat(o.status().getState()).isEqualTo(State.Warning);
    assertThat(o.actions()).filteredOn(a -> a instanceof PolicyAction.Notify).singleElement()
        .satisfies(a -> assertThat(((PolicyAction.Notify) a).json()).contains("\"state\":\"Warning\"", "\"modelVersion\":\"churn-v1\"",
            "\"time\":\"" + NOW + "\""));
    after(p, o);
    PolicyDecision.Outcome same = PolicyDecision.decide(p, drifted(0.15, List.of(), null), NOW.plus(Duration.ofMinutes(5)));
    assertThat(same.actions()).noneMatch(a -> a instanceof PolicyAction.Notify);

    PolicyObservation unreadable = new PolicyObservation(version(1, ModelVersionSpec.Stage.Production, true), null, "no ready pod", List.of(), null, null);
    PolicyDecision.Outcome blind = PolicyDecision.decide(p, unreadable, NOW.plus(Duration.ofMinutes(10)));
    assertThat(blind.next()).isEqualTo(PolicyDecision.SOURCE_RETRY);
    assertThat(blind.status().getMessage()).startsWith("cannot measure churn-v1: no ready pod");
    assertThat(Conditions.find(blind.status().getConditions(), Conditions.READY).getReason()).isEqualTo("SourceUnavailable");
    assertThat(events(blind)).contains("SourceUnavailable");
  }

  @Test
  void aRefusedWebhookIsNeverCalledAndSaysWhyInStatusAndOneWarningEvent() {
    DriftPolicy p = policy("http://2852039166/latest/meta-data/");
    p.getSpec().setRetrain(null);
    String why = new LinkLocalUrls(false).refusal("spec.alert.webhook", p.getSpec().getAlert().getWebhook(), false);
    PolicyObservation observed = new PolicyObservation(version(1, ModelVersionSpec.Stage.Production, true),
        DriftPolicyRulesTest.observation(1000, 0.15, 0.05), null, List.of(), null, null, why);
    PolicyDecision.Outcome o = PolicyDecision.decide(p, observed, NOW);
    assertThat(o.status().getState()).as("the checks are still evaluated").isEqualTo(State.Warning);
    assertThat(o.actions()).noneMatch(a -> a instanceof PolicyAction.Notify);
    assertThat(o.status().getMessage()).contains("spec.alert.webhook http://2852039166/latest/meta-data/ leads to 169.254.169.254");
    var ready = Conditions.find(o.status().getConditions(), Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("WebhookRefused");
    assertThat(o.actions()).filteredOn(a -> a instanceof PolicyAction.Announce).map(a -> ((PolicyAction.Announce) a).announcement())
        .anySatisfy(a -> {
          assertThat(a.warning()).isTrue();
          assertThat(a.reason()).isEqualTo("WebhookRefused");
          assertThat(a.message()).contains("spec.alert.webhook", "169.254.169.254");
        });
    assertThat(o.next()).as("evaluated on its interval as before, not in a loop").isEqualTo(Duration.ofMinutes(5));
    after(p, o);
    assertThat(events(PolicyDecision.decide(p, observed, NOW.plus(Duration.ofMinutes(5))))).as("announced once").doesNotContain("WebhookRefused");

    // With the source unreadable too, the condition names that, and neither is announced twice.
    DriftPolicy both = policy(p.getSpec().getAlert().getWebhook());
    PolicyObservation blind = new PolicyObservation(observed.watched(), null, "no ready pod", List.of(), null, null, why);
    PolicyDecision.Outcome first = PolicyDecision.decide(both, blind, NOW);
    assertThat(events(first)).contains("SourceUnavailable", "WebhookRefused");
    assertThat(first.status().getMessage()).contains("no ready pod", "spec.alert.webhook");
    after(both, first);
    assertThat(events(PolicyDecision.decide(both, blind, NOW.plus(PolicyDecision.SOURCE_RETRY))))
        .doesNotContain("SourceUnavailable", "WebhookRefused");
  }

  @Test
  void withoutAProductionVersionTheStateIsUnknownAndTheRoutedVersionIsWatched() {
    PolicyDecision.Outcome o = PolicyDecision.decide(policy(null), new PolicyObservation(null, null, null, List.of(), null, null), NOW);
    assertThat(o.status().getState()).isEqualTo(State.Unknown);
    assertThat(Conditions.find(o.status().getConditions(), Conditions.READY).getReason()).isEqualTo("NoProductionVersion");
    assertThat(o.actions()).isEmpty();

    List<ModelVersion> versions = new ArrayList<>(List.of(version(1, ModelVersionSpec.Stage.Production, true),
        version(2, ModelVersionSpec.Stage.Production, false), version(3, ModelVersionSpec.Stage.Staging, false)));
    assertThat(PolicyObserver.production(versions)).hasValueSatisfying(v -> assertThat(v.getMetadata().getName()).isEqualTo("churn-v1"));
    versions.remove(0);
    assertThat(PolicyObserver.production(versions)).hasValueSatisfying(v -> assertThat(v.getMetadata().getName()).isEqualTo("churn-v2"));
    assertThat(PolicyObserver.production(versions.subList(1, 2))).isEmpty();
  }

  @Test
  void retrainHistoryIsBounded() {
    DriftPolicy p = policy(null);
    DriftPolicyStatus status = new DriftPolicyStatus();
    List<DriftPolicyStatus.RetrainRecord> history = new ArrayList<>();
    for (int i = 0; i < PolicyDecision.HISTORY; i++) {
      history.add(new DriftPolicyStatus.RetrainRecord());
    }
    status.setRetrains(history);
    status.setRetrainCount(PolicyDecision.HISTORY);
    p.setStatus(status);
    PolicyDecision.Outcome o = PolicyDecision.decide(p, drifted(0.4, List.of(), template("churn")), NOW);
    assertThat(o.status().getRetrains()).hasSize(PolicyDecision.HISTORY);
    assertThat(o.status().getRetrains().get(0).getExperiment()).isEqualTo("churn-drift-retrain-" + (PolicyDecision.HISTORY + 1));
  }

  @Test
  void retrainNamesStayShortEnoughForAnExperimentToRunAndUniquePerPolicy() {
    assertThat(RetrainExperiment.name("churn-drift", 12)).isEqualTo("churn-drift-retrain-12");
    String longPolicy = "a-very-long-drift-policy-name-for-the-customer-churn-model-in-production";
    String other = "a-very-long-drift-policy-name-for-the-customer-churn-model-in-staging";
    for (int n : new int[] {1, 99, 12345}) {
      String name = RetrainExperiment.name(longPolicy, n);
      assertThat(name).hasSizeLessThanOrEqualTo(dev.modelops.api.v1alpha1.Experiment.MAX_NAME_LENGTH).endsWith("-retrain-" + n)
          .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").isNotEqualTo(RetrainExperiment.name(other, n));
    }
  }

  /** A template reading S3 keeps its S3 settings for new data in S3, and drops them for data elsewhere (the schema refuses s3 beside pvc://). */
  @Test
  void aRetrainKeepsTheTemplatesS3SettingsOnlyForDataInS3() {
    Experiment template = template("churn");
    template.getSpec().getDataset().setUri("s3://data/churn/2025.csv");
    template.getSpec().getDataset().setS3(new S3Access("http://minio.storage:9000", null, null));
    DriftPolicy toS3 = policy(null);
    toS3.getSpec().getRetrain().setDatasetUri("s3://data/churn/2026.csv");
    ModelVersion mv = version(1, ModelVersionSpec.Stage.Production, true);
    ExperimentSpec.Dataset inS3 = RetrainExperiment.desired(toS3, template, mv, 1, "drift").getSpec().getDataset();
    assertThat(inS3.getUri()).isEqualTo("s3://data/churn/2026.csv");
    assertThat(inS3.getS3().getEndpoint()).isEqualTo("http://minio.storage:9000");
    ExperimentSpec.Dataset onClaim = RetrainExperiment.desired(policy(null), template, mv, 2, "drift").getSpec().getDataset();
    assertThat(onClaim.getUri()).isEqualTo("pvc://churn-data/latest.csv");
    assertThat(onClaim.getS3()).isNull();
  }
}
