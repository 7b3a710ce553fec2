package dev.modelops.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.S3Access;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.ClusterObjects;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.operator.Announcement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Serving, promotion without downtime, supersession and archiving, as a pure decision: the
 * "cluster" is a map of the objects the actions applied. Server-side apply against a real API
 * server is e2e's OperatorOnApiServerIT.
 */
class ServingDecisionTest {
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");
  final Map<String, ModelVersion> versions = new LinkedHashMap<>();
  final Map<String, Deployment> deployments = new HashMap<>();
  final Map<String, Service> services = new HashMap<>();
  final Map<String, List<Pod>> pods = new HashMap<>();
  final List<Announcement> events = new ArrayList<>();

  ModelVersion create(String model, int version, ModelVersionSpec.Stage stage) {
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setName(model + "-v" + version);
    mv.getMetadata().setNamespace("serve");
    mv.getMetadata().setUid(UUID.randomUUID().toString());
    mv.getMetadata().setGeneration(1L);
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel(model);
    spec.setVersion(version);
    ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
    a.setUri("pvc://modelops-artifacts/serve/exp/t" + version);
    spec.setArtifact(a);
    spec.setStage(stage);
    ModelVersionSpec.Serving serving = new ModelVersionSpec.Serving();
    serving.setReplicas(2);
    serving.setDriftWindow(10000);
    spec.setServing(serving);
    mv.setSpec(spec);
    versions.put(mv.getMetadata().getName(), mv);
    return mv;
  }

  /** What the decided version's servers answered, as the reconciler would have read it. */
  final Map<String, ServingObservation.Answers> answers = new HashMap<>();

  /** What a rollout's baseline servers measured, as the reconciler would have read it for a candidate. */
  java.util.Optional<RolloutAnalysis.Baseline> baseline = java.util.Optional.empty();

  /** The recheck the last decision asked for. */
  java.util.Optional<java.time.Duration> lastRecheck = java.util.Optional.empty();

  /** The decisions' clock; a test moves it on. */
  Instant now = Instant.parse("2026-11-29T12:00:00Z");

  ModelVersionStatus reconcile(ModelVersion mv) {
    List<ModelVersion> siblings = versions.values().stream().filter(v -> v.getSpec().getModel().equals(mv.getSpec().getModel())).toList();
    ServingDecision.Outcome o = ServingDecision.decide(mv, new ServingObservation(siblings, new HashMap<>(deployments), new HashMap<>(pods),
        new HashMap<>(answers), baseline), SETTINGS, now);
    lastRecheck = o.recheck();
    for (ServingAction a : o.actions()) {
      if (a instanceof ServingAction.Announce e) {
        events.add(e.announcement());
      }
      if (a instanceof ServingAction.Apply apply) {
        HasMetadata d = apply.desired();
        if (d instanceof Deployment dep) {
          Deployment old = deployments.get(dep.getMetadata().getName());
          dep.setStatus(old == null ? null : old.getStatus());
          deployments.put(dep.getMetadata().getName(), dep);
        } else {
          services.put(d.getMetadata().getName(), (Service) d);
        }
      } else if (a instanceof ServingAction.Unserve u) {
        deployments.remove(u.name());
        services.remove(u.name());
      }
    }
    mv.setStatus(o.status());
    return o.status();
  }

  void makeReady(String name) {
    Deployment d = deployments.get(name);
    d.setStatus(ClusterObjects.ready(d.getSpec().getReplicas(), null));
  }

  Deployment deployment(String name) {
    return deployments.get(name);
  }

  @Test
  void aVersionAnEarlierReleaseMadeOwnedByItsExperimentIsReleasedFromItAndKeepsOtherOwners() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    OwnerReference experiment = new OwnerReferenceBuilder().withApiVersion("modelops.dev/v1alpha1").withKind("Experiment")
        .withName("churn-baseline").withUid("uid-e").withController(true).withBlockOwnerDeletion(true).build();
    OwnerReference other = new OwnerReferenceBuilder().withApiVersion("example.com/v1").withKind("Experiment")
        .withName("someone-elses").withUid("uid-o").build();
    v1.getMetadata().setOwnerReferences(List.of(experiment, other));
    ServingDecision.Outcome o = ServingDecision.decide(v1, new ServingObservation(List.of(v1), Map.of()), SETTINGS, Instant.now());
    assertThat(o.actions()).filteredOn(ServingAction.Release.class::isInstance).singleElement().satisfies(a -> {
      ServingAction.Release r = (ServingAction.Release) a;
      assertThat(r.before()).containsExactly(experiment, other);
      assertThat(r.kept()).containsExactly(other);
    });
    assertThat(o.actions()).filteredOn(ServingAction.Announce.class::isInstance)
        .anySatisfy(a -> assertThat(((ServingAction.Announce) a).announcement().message()).contains("Experiment churn-baseline"));
    assertThat(o.actions()).as("it is still served").anySatisfy(a -> assertThat(a).isInstanceOf(ServingAction.Apply.class));

    v1.getMetadata().setOwnerReferences(List.of(other));
    assertThat(RegistryRecord.released(v1)).isEmpty();
    v1.getMetadata().setOwnerReferences(null);
    assertThat(RegistryRecord.released(v1)).isEmpty();
    v1.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder(experiment).withKind("DriftPolicy").build()));
    assertThat(RegistryRecord.released(v1)).hasValue(List.of());
  }

  @Test
  void aNewProductionVersionTakesTrafficOnlyOnceReadyThenTheOldOneIsSuperseded() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    assertThat(reconcile(v1).getPhase()).isEqualTo(ModelVersionStatus.Phase.Deploying);
    Deployment d1 = deployment("churn-v1");
    var container = d1.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("server:test");
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("MODEL_BUNDLE");
      assertThat(e.getValue()).isEqualTo("pvc://modelops-artifacts/serve/exp/t1");
    });
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(d1.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(d1.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(d1.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d1.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo("churn-v1");
    assertThat(services.get("churn-v1")).isNotNull();

    makeReady("churn-v1");
    ModelVersionStatus s1 = reconcile(v1);
    assertThat(s1.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(s1.getReceivesProductionTraffic()).isTrue();
    assertThat(s1.getEndpoint()).isEqualTo("http://churn-v1.serve.svc:8080");
    assertThat(s1.getReadyReplicas()).isEqualTo(2);
    assertThat(s1.getSelector()).isEqualTo("modelops.dev/model=churn,modelops.dev/version=1");
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");
    // Argo CD tracks an Application's resources by app.kubernetes.io/instance: the operator's
    // objects never carry it, or a Service named like an Application would be pruned with it.
    assertThat(List.of(d1.getMetadata(), d1.getSpec().getTemplate().getMetadata(), services.get("churn").getMetadata(), services.get("churn-v1").getMetadata()))
        .allSatisfy(m -> assertThat(m.getLabels()).doesNotContainKey("app.kubernetes.io/instance").containsKey("modelops.dev/instance"));

    ModelVersion v2 = create("churn", 2, ModelVersionSpec.Stage.Production);
    assertThat(reconcile(v2).getPhase()).isEqualTo(ModelVersionStatus.Phase.Deploying);
    assertThat(reconcile(v1).getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    // One replica of two ready: the rollout is not complete, traffic stays on v1.
    deployment("churn-v2").setStatus(ClusterObjects.ready(1, null));
    assertThat(reconcile(v2).getReceivesProductionTraffic()).isFalse();
    assertThat(reconcile(v1).getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    makeReady("churn-v2");
    ModelVersionStatus s2 = reconcile(v2);
    assertThat(s2.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(s2.getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
    // v1 drains: superseded, its replicas kept for the connections already open to them ...
    s1 = reconcile(v1);
    assertThat(s1.getPhase()).isEqualTo(ModelVersionStatus.Phase.Superseded);
    assertThat(s1.getMessage()).contains("churn-v2").contains("draining");
    assertThat(deployment("churn-v1").getSpec().getReplicas()).isEqualTo(2);
    now = now.plus(ServingDecision.DRAIN).minusSeconds(1);
    assertThat(reconcile(v1).getPhase()).isEqualTo(ModelVersionStatus.Phase.Superseded);
    assertThat(deployment("churn-v1").getSpec().getReplicas()).isEqualTo(2);
    // ... then scaled to zero; its Pods drain in their preStop hook, within their termination grace.
    now = now.plusSeconds(1);
    s1 = reconcile(v1);
    assertThat(s1.getMessage()).contains("scaled to zero").doesNotContain("draining");
    assertThat(deployment("churn-v1").getSpec().getReplicas()).isZero();
    var pod = deployment("churn-v1").getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getLifecycle().getPreStop().getHttpGet().getPath())
        .isEqualTo("/v1/lifecycle/drain?seconds=" + ServingObjects.PRE_STOP_SECONDS);
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(ServingObjects.PRE_STOP_SECONDS + 20);
    // Losing a replica later does not send traffic back to v1.
    deployment("churn-v2").setStatus(ClusterObjects.ready(1, null));
    assertThat(reconcile(v2).getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
    assertThat(v1.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
  }

  /** churn-v1 serving, then churn-v2 Production, ready and promoted: {v1, v2}. */
  ModelVersion[] promotedOverAServingOne() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    reconcile(v1);
    makeReady("churn-v1");
    reconcile(v1);
    ModelVersion v2 = create("churn", 2, ModelVersionSpec.Stage.Production);
    reconcile(v2);
    makeReady("churn-v2");
    reconcile(v2);
    return new ModelVersion[] {v1, v2};
  }

  @Test
  void aVersionThatTurnsUnhealthySoonAfterItsPromotionIsRolledBackAndStaysOutOfProduction() {
    ModelVersion[] v = promotedOverAServingOne();
    ModelVersion v1 = v[0];
    ModelVersion v2 = v[1];
    assertThat(v2.getStatus().getReceivesProductionTraffic()).isTrue();
    assertThat(reconcile(v1).getPhase()).isEqualTo(ModelVersionStatus.Phase.Superseded);

    // Two minutes later v2's servers crash-loop.
    now = now.plus(java.time.Duration.ofMinutes(2));
    deployment("churn-v2").setStatus(ClusterObjects.ready(0, null));
    podOf("churn-v2", "churn-v2-7f9c-aaaaa", ClusterObjects.waiting("model-server", "server:test", "CrashLoopBackOff", "back-off 10s", 137));
    ModelVersionStatus s2 = reconcile(v2);
    assertFailed(s2, "RolledBack", "rolled back", "CrashLoopBackOff", "churn-v1");
    assertThat(events).filteredOn(e -> e.reason().equals("RolledBack")).singleElement().satisfies(e -> assertThat(e.warning()).isTrue());
    assertThat(deployment("churn-v2").getSpec().getReplicas()).as("kept, for its logs").isEqualTo(2);

    // v1 comes back (scaled up again after its drain), and once ready it takes the traffic.
    ModelVersionStatus s1 = reconcile(v1);
    assertThat(deployment("churn-v1").getSpec().getReplicas()).isEqualTo(2);
    makeReady("churn-v1");
    s1 = reconcile(v1);
    assertThat(s1.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(s1.getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    // v2 stays out even when its Pods recover, until its spec changes.
    pods.clear();
    makeReady("churn-v2");
    assertThat(reconcile(v2).getPhase()).isEqualTo(ModelVersionStatus.Phase.Failed);
    assertThat(reconcile(v1).getReceivesProductionTraffic()).isTrue();
    assertThat(events).filteredOn(e -> e.reason().equals("RolledBack")).hasSize(1);
    v2.getMetadata().setGeneration(2L);
    assertThat(reconcile(v2).getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
  }

  @Test
  void aVersionWhoseServersAnswerTooManyServerErrorsSoonAfterItsPromotionIsRolledBack() {
    ModelVersion v2 = promotedOverAServingOne()[1];
    now = now.plusSeconds(30);
    answers.put("churn-v2", new ServingObservation.Answers(40, 20));
    assertThat(reconcile(v2).getPhase()).as("too few answers to judge").isEqualTo(ModelVersionStatus.Phase.Serving);
    answers.put("churn-v2", new ServingObservation.Answers(200, 10));
    assertThat(reconcile(v2).getPhase()).as("5%% is tolerated").isEqualTo(ModelVersionStatus.Phase.Serving);
    answers.put("churn-v2", new ServingObservation.Answers(200, 11));
    assertFailed(reconcile(v2), "RolledBack", "11 of its 200 answers were server errors (5xx), more than 5%", "churn-v1");
  }

  @Test
  void aVersionThatFailsAfterTheRollbackWindowIsNotRolledBack() {
    ModelVersion v2 = promotedOverAServingOne()[1];
    now = now.plus(ServingDecision.ROLLBACK_WINDOW).plusSeconds(1);
    deployment("churn-v2").setStatus(ClusterObjects.ready(0, null));
    podOf("churn-v2", "churn-v2-7f9c-aaaaa", ClusterObjects.waiting("model-server", "server:test", "CrashLoopBackOff", "back-off 10s", 137));
    ModelVersionStatus s2 = reconcile(v2);
    assertThat(s2.getConditions()).noneSatisfy(c -> assertThat(c.getReason()).isEqualTo("RolledBack"));
    assertThat(events).noneMatch(e -> e.reason().equals("RolledBack"));
  }

  @Test
  void feedbackAuthGivesTheServerItsTokenFromTheSecretAndNothingElseChangesWithoutIt() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    reconcile(v1);
    var open = deployment("churn-v1").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(open.getEnv()).noneMatch(e -> e.getName().equals("MODEL_FEEDBACK_TOKEN") || e.getName().equals("MODEL_ADMIN_PORT"));
    assertThat(open.getPorts()).extracting(p -> p.getName()).containsExactly("http");

    ModelVersionSpec.SecretKeyRef ref = new ModelVersionSpec.SecretKeyRef();
    ref.setName("churn-feedback");
    ref.setKey("token");
    ModelVersionSpec.FeedbackAuth auth = new ModelVersionSpec.FeedbackAuth();
    auth.setSecretRef(ref);
    v1.getSpec().getServing().setFeedbackAuth(auth);
    reconcile(v1);
    var locked = deployment("churn-v1").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(locked.getEnv()).filteredOn(e -> e.getName().equals("MODEL_FEEDBACK_TOKEN")).singleElement().satisfies(e -> {
      assertThat(e.getValue()).as("the token itself never passes through the operator").isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("churn-feedback");
      assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
      assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).as("a missing Secret stops the Pod, never opens feedback").isFalse();
    });
  }

  @Test
  void anOperatorWithAnAdminPortGivesServersANamedSecondPortForDriftAndMetrics() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    OperatorSettings admin = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts", 8081, false);
    ServingDecision.Outcome o = ServingDecision.decide(v1, new ServingObservation(List.of(v1), Map.of()), admin, now);
    Deployment d = o.actions().stream().filter(ServingAction.Apply.class::isInstance).map(a -> ((ServingAction.Apply) a).desired())
        .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort()).containsExactly("http:8080", "admin:8081");
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("MODEL_ADMIN_PORT");
      assertThat(e.getValue()).isEqualTo("8081");
    });
    assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).as("the kubelet probes inference's port").isEqualTo("http");
    // The chart's NetworkPolicy selects model servers by these labels (helm/modelops/templates/networkpolicy.yaml,
    // pinned from that side by HelmChartIT).
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "modelops")
        .containsEntry("app.kubernetes.io/component", "model-server").containsEntry("app.kubernetes.io/managed-by", "modelops-operator");
  }

  @ParameterizedTest
  @CsvSource({"8080", "80", "70000"})
  void anAdminPortTheServerCannotUseIsRefusedNamingTheSettingAndWhatIsAllowed(int port) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OperatorSettings("t", "s", "c", port, false))
        .hasMessageContaining("MODELOPS_SERVER_ADMIN_PORT is " + port).hasMessageContaining("from 1024 to 65535 other than 8080");
  }

  @Test
  void archivingRemovesServingObjectsButKeepsTheRecord() {
    ModelVersion v = create("spam", 1, ModelVersionSpec.Stage.Staging);
    reconcile(v);
    assertThat(deployment("spam-v1")).isNotNull();
    v.getSpec().setStage(ModelVersionSpec.Stage.Archived);
    assertThat(reconcile(v).getPhase()).isEqualTo(ModelVersionStatus.Phase.Archived);
    assertThat(deployment("spam-v1")).isNull();
    assertThat(services.get("spam-v1")).isNull();
  }

  @Test
  void theHighestReadyProductionVersionIsRoutedAndTheIntendedWinnerIsTheHighest() {
    var v1 = new ProductionRouting.Version("m-v1", 1, true, true);
    var v2 = new ProductionRouting.Version("m-v2", 2, true, false);
    var v3 = new ProductionRouting.Version("m-v3", 3, false, true);
    ProductionRouting.Decision d = ProductionRouting.decide(List.of(v1, v2, v3));
    assertThat(d.winner()).get().isEqualTo(v2);
    assertThat(d.routed()).get().isEqualTo(v1);
    assertThat(d.superseded(v1)).isFalse();
    var v2ready = new ProductionRouting.Version("m-v2", 2, true, true);
    d = ProductionRouting.decide(List.of(v1, v2ready, v3));
    assertThat(d.routed()).get().isEqualTo(v2ready);
    assertThat(d.superseded(v1)).isTrue();
    assertThat(d.superseded(v3)).isFalse();
  }

  void podOf(String version, String pod, PodStatus status) {
    pods.computeIfAbsent(version, k -> new ArrayList<>())
        .add(new PodBuilder().withNewMetadata().withName(pod).withNamespace("serve").endMetadata().withStatus(status).build());
  }

  void assertFailed(ModelVersionStatus s, String reason, String... inMessage) {
    assertThat(s.getPhase()).isEqualTo(ModelVersionStatus.Phase.Failed);
    assertThat(s.getReceivesProductionTraffic()).isFalse();
    assertThat(s.getMessage()).contains(inMessage);
    var ready = Conditions.find(s.getConditions(), Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo(reason);
    assertThat(ready.getMessage()).isEqualTo(s.getMessage());
  }

  @Test
  void aCrashLoopingModelServerFailsTheVersionWithOneWarningEventAndRecoversWhenReady() {
    ModelVersion v = create("churn", 1, ModelVersionSpec.Stage.Staging);
    assertThat(reconcile(v).getPhase()).isEqualTo(ModelVersionStatus.Phase.Deploying);
    podOf("churn-v1", "churn-v1-7f9c-abcde", ClusterObjects.waiting("model-server", "server:test", "CrashLoopBackOff",
        "back-off 5m0s restarting failed container=model-server pod=churn-v1-7f9c-abcde", 137));
    events.clear();
    ServingDecision.Outcome first = ServingDecision.decide(v, new ServingObservation(List.of(v), deployments, pods), SETTINGS, Instant.now());
    assertThat(first.settled()).isTrue();
    assertFailed(reconcile(v), "CrashLoopBackOff", "pod churn-v1-7f9c-abcde container model-server: CrashLoopBackOff", "last exit 137");
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.warning()).isTrue();
      assertThat(e.reason()).isEqualTo("CrashLoopBackOff");
      assertThat(e.message()).contains("churn-v1 failed", "churn-v1-7f9c-abcde");
    });
    assertFailed(reconcile(v), "CrashLoopBackOff", "churn-v1-7f9c-abcde");
    assertThat(events).as("the Event is announced once").hasSize(1);
    assertThat(deployment("churn-v1").getSpec().getReplicas()).as("still deployed, so that it can recover").isEqualTo(2);

    pods.clear();
    makeReady("churn-v1");
    ModelVersionStatus s = reconcile(v);
    assertThat(s.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(events).last().satisfies(e -> {
      assertThat(e.warning()).isFalse();
      assertThat(e.reason()).isEqualTo("Recovered");
    });
  }

  @ParameterizedTest
  @CsvSource({
      "ImagePullBackOff, Back-off pulling image \"registry.invalid/server:nope\"",
      "ErrImagePull, failed to pull and unpack image \"registry.invalid/server:nope\": not found",
      "CreateContainerConfigError, secret \"bundle-credentials\" not found",
      "InvalidImageName, couldn't parse image name \"Server::x\""})
  void aModelServerThatCannotStartFailsTheVersionNamingPodContainerAndReason(String reason, String message) {
    ModelVersion v = create("churn", 1, ModelVersionSpec.Stage.Production);
    reconcile(v);
    podOf("churn-v1", "churn-v1-7f9c-zzzzz", ClusterObjects.waiting("model-server", "server:test", reason, message, null));
    podOf("churn-v1", "churn-v1-7f9c-aaaaa", ClusterObjects.waiting("model-server", "server:test", "ContainerCreating", null, null));
    assertFailed(reconcile(v), reason, "pod churn-v1-7f9c-zzzzz container model-server: " + reason + ": " + message);
    assertThat(services.get("churn")).as("no stable Service for a Production version that never served").isNull();
  }

  /** A bundle in S3: each server Pod gets the store's endpoint and region and the key from the Secret, and mounts no claim. */
  @Test
  void anS3BundleIsServedWithTheEndpointRegionAndTheKeyFromTheSecret() {
    ModelVersion v = create("churn", 2, ModelVersionSpec.Stage.Staging);
    v.getSpec().getArtifact().setUri("s3://models/churn/v2");
    v.getSpec().getArtifact().setS3(new S3Access("http://minio.storage:9000", "eu-west-1", new S3Access.SecretRef("models-s3")));
    reconcile(v);
    var pod = deployment("churn-v2").getSpec().getTemplate().getSpec();
    Map<String, EnvVar> env = new HashMap<>();
    pod.getContainers().get(0).getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("MODEL_BUNDLE").getValue()).isEqualTo("s3://models/churn/v2");
    assertThat(env.get("AWS_ENDPOINT_URL_S3").getValue()).isEqualTo("http://minio.storage:9000");
    assertThat(env.get("AWS_REGION").getValue()).isEqualTo("eu-west-1");
    for (String key : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")) {
      assertThat(env.get(key).getValue()).as("the key is never copied into the Deployment").isNull();
      assertThat(env.get(key).getValueFrom().getSecretKeyRef().getName()).isEqualTo("models-s3");
      assertThat(env.get(key).getValueFrom().getSecretKeyRef().getKey()).isEqualTo(key);
    }
    assertThat(env.get("AWS_SESSION_TOKEN").getValueFrom().getSecretKeyRef().getOptional()).as("only for temporary keys").isTrue();
    assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getOptional()).isNull();
    assertThat(pod.getVolumes()).as("the bundle is fetched into /tmp, no claim").extracting(Volume::getName).containsExactly("tmp");

    // A bundle on a claim gets no AWS variables.
    ModelVersion onClaim = create("churn", 3, ModelVersionSpec.Stage.Staging);
    reconcile(onClaim);
    assertThat(deployment("churn-v3").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting(EnvVar::getName).noneMatch(n -> n.startsWith("AWS_"));
  }

  @Test
  void aContainerStillCreatingOrStartingIsNotAFailure() {
    ModelVersion v = create("churn", 1, ModelVersionSpec.Stage.Staging);
    reconcile(v);
    podOf("churn-v1", "churn-v1-7f9c-aaaaa", ClusterObjects.waiting("model-server", "server:test", "ContainerCreating", null, null));
    assertThat(reconcile(v).getPhase()).isEqualTo(ModelVersionStatus.Phase.Deploying);
    assertThat(events).isEmpty();
  }

  @Test
  void aModelServerNotReadyWithinTheProgressDeadlineFailsTheVersion() {
    ModelVersion v = create("churn", 1, ModelVersionSpec.Stage.Staging);
    reconcile(v);
    assertThat(deployment("churn-v1").getSpec().getProgressDeadlineSeconds()).isEqualTo(ServingObjects.PROGRESS_DEADLINE_SECONDS);
    deployment("churn-v1").setStatus(ClusterObjects.progressDeadlineExceeded("churn-v1", 2));
    assertFailed(reconcile(v), "ProgressDeadlineExceeded", "did not become ready within the progress deadline (600 s)",
        "has timed out progressing", "bundle that cannot be loaded");
    assertThat(events).filteredOn(Announcement::warning).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("ProgressDeadlineExceeded"));
  }

  @Test
  void aServingVersionWithSomeFailingPodsStaysServing() {
    ModelVersion v = create("churn", 1, ModelVersionSpec.Stage.Staging);
    reconcile(v);
    Deployment d = deployment("churn-v1");
    d.setStatus(ClusterObjects.ready(1, null));
    d.getStatus().setReplicas(2);
    podOf("churn-v1", "churn-v1-new-xxxxx", ClusterObjects.waiting("model-server", "server:test", "ImagePullBackOff", "nope", null));
    assertThat(reconcile(v).getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
  }

  @Test
  void aFailedVersionNeverTakesProductionTrafficFromTheReadyOneEvenIfItIsTheHighestProductionVersion() {
    ModelVersion v1 = create("churn", 1, ModelVersionSpec.Stage.Production);
    reconcile(v1);
    makeReady("churn-v1");
    assertThat(reconcile(v1).getReceivesProductionTraffic()).isTrue();

    ModelVersion v2 = create("churn", 2, ModelVersionSpec.Stage.Production);
    reconcile(v2);
    podOf("churn-v2", "churn-v2-5b8d-qqqqq", ClusterObjects.waiting("model-server", "server:test", "CrashLoopBackOff", "back-off", 1));
    assertFailed(reconcile(v2), "CrashLoopBackOff", "churn-v2-5b8d-qqqqq");
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");
    ModelVersionStatus s1 = reconcile(v1);
    assertThat(s1.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(s1.getReceivesProductionTraffic()).isTrue();
    assertThat(deployment("churn-v1").getSpec().getReplicas()).isEqualTo(2);
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    deployment("churn-v2").setStatus(ClusterObjects.progressDeadlineExceeded("churn-v2", 2));
    pods.clear();
    assertFailed(reconcile(v2), "ProgressDeadlineExceeded", "progress deadline");
    assertThat(reconcile(v1).getReceivesProductionTraffic()).isTrue();
    assertThat(services.get("churn").getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    pods.clear();
    makeReady("churn-v2");
    assertThat(reconcile(v2).getReceivesProductionTraffic()).as("once it recovers, it takes the traffic").isTrue();
    assertThat(reconcile(v1).getPhase()).isEqualTo(ModelVersionStatus.Phase.Superseded);
  }
}
