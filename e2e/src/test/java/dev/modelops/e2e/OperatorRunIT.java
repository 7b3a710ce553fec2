package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.OperatorProbes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.ClusterObjects;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator as it runs (JOSDK, informers, server-side-apply status, as its ServiceAccount
 * with the chart's RBAC rules) against a real kube-apiserver, with kube-controller-manager's
 * garbage collector: an applied Experiment gets
 * its trial Jobs, finished trials register a ModelVersion, the version is rolled out, a policy's
 * retrain registers the next one, and deleting the policy or the Experiment removes their working
 * objects (retraining Experiment, trial Jobs) but never a registered version or what serves it.
 */
class OperatorRunIT {
  @TempDir static Path tmp;
  static KubeAPIServer server;
  static KubernetesClient client;
  static Operator operator;
  static Process controllerManager;
  static KubernetesClient operatorClient;
  static PrometheusMeterRegistry registry;
  static OperatorProbes probes;

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(tmp.resolve("audit-policy.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n");
    server = KubeApiServer.start("--audit-policy-file=" + tmp.resolve("audit-policy.yaml"), "--audit-log-path=" + tmp.resolve("audit.log"));
    Path kubeconfig = KubeApiServer.kubeconfig(server, tmp);
    controllerManager = new ProcessBuilder(KubeApiServer.binaries().resolve("kube-controller-manager").toString(),
        "--kubeconfig=" + kubeconfig, "--controllers=garbagecollector", "--leader-elect=false", "--secure-port=0")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("kcm.log").toFile()).start();
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
    try (Stream<Path> crds = Files.list(Path.of("../crds"))) {
      for (Path crd : crds.toList()) {
        client.load(Files.newInputStream(crd)).serverSideApply();
      }
    }
    Thread.sleep(2000); // CRDs established
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("loop").endMetadata().build()).create();
    KubeApiServer.claim(client, "loop", "modelops-artifacts");
    KubeApiServer.claim(client, "loop", "data"); // the examples' data (examples/cluster/storage.yaml)
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("modelops").endMetadata().build()).create();
    // The operator runs as its ServiceAccount with exactly the rules the chart grants: a
    // missing permission makes the loop below fail. Granted only in the namespace it watches and
    // the one of its Lease, as the chart does with watchNamespaces: nothing cluster-wide is needed.
    client.serviceAccounts().inNamespace("modelops").resource(new ServiceAccountBuilder().withNewMetadata().withName("modelops-operator").endMetadata().build()).create();
    client.load(Files.newInputStream(Path.of("../operator/src/main/resources/rbac/operator-clusterrole.yaml"))).serverSideApply();
    for (String ns : List.of("loop", "modelops")) {
      client.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName("modelops-operator").endMetadata()
          .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "modelops-operator")
          .addNewSubject().withKind("ServiceAccount").withName("modelops-operator").withNamespace("modelops").endSubject().build()).create();
    }
    Config asOperator = Config.fromKubeconfig(server.getKubeConfigYaml());
    asOperator.setImpersonateUsername("system:serviceaccount:modelops:modelops-operator");
    asOperator.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:modelops", "system:authenticated");
    operatorClient = new KubernetesClientBuilder().withConfig(asOperator).build();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    operator = OperatorMain.create(operatorClient, new OperatorSettings("trainer:test", "server:test", "modelops-artifacts"), Set.of("loop"), "modelops", false, registry);
    probes = new OperatorProbes(0, operator, registry);
    operator.start();
    probes.markStarted();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.stop();
    }
    if (probes != null) {
      probes.close();
    }
    if (controllerManager != null) {
      controllerManager.destroyForcibly();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void anAppliedExperimentIsTrainedRegisteredServedArchivedAndCleanedUp() throws Exception {
    // An Experiment whose data is on a claim that does not exist: reported, and looked at again
    // with a growing wait, not in a loop (counted below in the audit log).
    Experiment blocked = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    blocked.getMetadata().setName("blocked");
    blocked.getMetadata().setNamespace("loop");
    blocked.getSpec().setModel("churn-blocked");
    blocked.getSpec().getDataset().setUri("pvc://missing-data/latest.csv");
    client.resource(blocked).create();
    long blockedSince = System.currentTimeMillis();

    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace("loop");
    exp.getSpec().getSearch().setMaxTrials(3);
    Experiment created = client.resource(exp).create();

    // A version an earlier release registered: owned (controller) by its Experiment. The operator
    // releases it (metadata.ownerReferences only, not the spec) so that it outlives the Experiment.
    ModelVersion legacy = new ModelVersion();
    legacy.getMetadata().setName("legacy-v1");
    legacy.getMetadata().setNamespace("loop");
    legacy.getMetadata().setLabels(java.util.Map.of("modelops.dev/experiment", "churn-baseline"));
    legacy.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("modelops.dev/v1alpha1").withKind("Experiment")
        .withName("churn-baseline").withUid(created.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
    ModelVersionSpec legacySpec = new ModelVersionSpec();
    legacySpec.setModel("legacy");
    legacySpec.setVersion(1);
    ModelVersionSpec.Artifact legacyArtifact = new ModelVersionSpec.Artifact();
    legacyArtifact.setUri("pvc://modelops-artifacts/loop/legacy/t0");
    legacySpec.setArtifact(legacyArtifact);
    legacySpec.setStage(ModelVersionSpec.Stage.Staging);
    legacy.setSpec(legacySpec);
    legacy = client.resource(legacy).create();
    ModelVersion released = client.resources(ModelVersion.class).inNamespace("loop").withName("legacy-v1")
        .waitUntilCondition(m -> m.getMetadata().getOwnerReferences() == null || m.getMetadata().getOwnerReferences().isEmpty(), 60, TimeUnit.SECONDS);
    assertThat(released.getMetadata().getGeneration()).as("the spec is not touched").isEqualTo(legacy.getMetadata().getGeneration());
    assertThat(released.getSpec().getArtifact().getUri()).isEqualTo(legacySpec.getArtifact().getUri());
    client.apps().deployments().inNamespace("loop").withName("legacy-v1").waitUntilCondition(x -> x != null, 60, TimeUnit.SECONDS);

    for (String job : new String[] {"churn-baseline-t0", "churn-baseline-t1"}) {
      client.batch().v1().jobs().inNamespace("loop").withName(job).waitUntilCondition(j -> j != null, 30, TimeUnit.SECONDS);
    }
    OperatorOnApiServerIT.client = client;
    // Trial 1's image cannot be pulled: the operator stops its Job and moves on to trial 2.
    Pod stuck = client.pods().inNamespace("loop").resource(new PodBuilder().withNewMetadata().withName("churn-baseline-t1-pod")
        .withLabels(ClusterObjects.podLabels(client.batch().v1().jobs().inNamespace("loop").withName("churn-baseline-t1").get())).endMetadata()
        .withNewSpec().addNewContainer().withName("trainer").withImage("trainer:missing").endContainer().withRestartPolicy("Never").endSpec().build()).create();
    stuck.setStatus(new PodStatusBuilder().withPhase("Pending").withContainerStatuses(new ContainerStatusBuilder().withName("trainer").withImage("trainer:missing")
        .withImageID("").withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason("ImagePullBackOff").withMessage("Back-off pulling image").endWaiting().endState().build()).build());
    client.pods().inNamespace("loop").resource(stuck).updateStatus();
    OperatorOnApiServerIT.finish("loop", "churn-baseline-t0", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.83},\"bundleUri\":\"pvc://modelops-artifacts/loop/churn-baseline/churn-baseline-t0\"}");
    client.batch().v1().jobs().inNamespace("loop").withName("churn-baseline-t2").waitUntilCondition(j -> j != null, 60, TimeUnit.SECONDS);
    assertThat(client.batch().v1().jobs().inNamespace("loop").withName("churn-baseline-t1").get()).isNull();
    OperatorOnApiServerIT.finish("loop", "churn-baseline-t2", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.85},\"bundleUri\":\"pvc://modelops-artifacts/loop/churn-baseline/churn-baseline-t2\"}");

    Experiment done = client.resources(Experiment.class).inNamespace("loop").withName("churn-baseline")
        .waitUntilCondition(e -> e.getStatus() != null && e.getStatus().getPhase() == ExperimentStatus.Phase.Succeeded, 60, TimeUnit.SECONDS);
    assertThat(done.getStatus().getModelVersion()).isEqualTo("churn-v1");
    assertThat(done.getStatus().getBestTrial()).isEqualTo("churn-baseline-t2");
    assertThat(done.getStatus().getTrials().get(1).getReason()).isEqualTo("ImagePullBackOff");
    assertThat(done.getStatus().getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());

    Deployment d = client.apps().deployments().inNamespace("loop").withName("churn-v1").waitUntilCondition(x -> x != null, 60, TimeUnit.SECONDS);
    Cluster.makeReady(client, d, 1);
    ModelVersion serving = client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1")
        .waitUntilCondition(m -> m.getStatus() != null && m.getStatus().getPhase() == ModelVersionStatus.Phase.Serving, 60, TimeUnit.SECONDS);
    assertThat(serving.getStatus().getEndpoint()).isEqualTo("http://churn-v1.loop.svc:8080");
    assertThat(client.services().inNamespace("loop").withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    // A DriftPolicy watching churn-v1: its pods are not reachable (no kubelet here), so the drift
    // checks lack data and say why, but staleness still counts: a retraining Experiment starts.
    DriftPolicy policy = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/drift-policy.yaml").toFile(), DriftPolicy.class);
    policy.getMetadata().setNamespace("loop");
    DriftPolicySpec.Check stale = new DriftPolicySpec.Check();
    stale.setMetric(DriftPolicySpec.CheckMetric.modelAge);
    stale.setRetrainAfter("1s");
    policy.getSpec().setChecks(List.of(policy.getSpec().getChecks().get(0), stale));
    policy.getSpec().setInterval("10s");
    client.resource(policy).create();
    DriftPolicy retraining = client.resources(DriftPolicy.class).inNamespace("loop").withName("churn-drift")
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getState() == DriftPolicyStatus.State.Retraining, 60, TimeUnit.SECONDS);
    assertThat(retraining.getStatus().getModelVersion()).isEqualTo("churn-v1");
    assertThat(registry.scrape()).contains("modelops_driftpolicy_state{namespace=\"loop\",policy=\"churn-drift\",state=\"Retraining\"} 1.0",
        "modelops_driftpolicy_check_value{", "modelops_driftpolicy_retrains_total{");
    assertThat(retraining.getStatus().getMessage()).contains("no ready pod of ModelVersion churn-v1");
    assertThat(retraining.getStatus().getRetrains()).singleElement().satisfies(r -> {
      assertThat(r.getExperiment()).isEqualTo("churn-drift-retrain-1");
      assertThat(r.getReason()).contains("modelAge");
    });
    Experiment retrain = client.resources(Experiment.class).inNamespace("loop").withName("churn-drift-retrain-1").get();
    assertThat(retrain.getSpec().getDataset().getUri()).isEqualTo(policy.getSpec().getRetrain().getDatasetUri());
    assertThat(retrain.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("DriftPolicy"));
    // The retrain registers churn-v2, which beats churn-v1 and takes the production traffic.
    double[] aucs = {0.88, 0.9, 0.87};
    for (int i = 0; i < 3; i++) {
      String job = "churn-drift-retrain-1-t" + i;
      client.batch().v1().jobs().inNamespace("loop").withName(job).waitUntilCondition(j -> j != null, 60, TimeUnit.SECONDS);
      OperatorOnApiServerIT.finish("loop", job, true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":" + aucs[i]
          + "},\"bundleUri\":\"pvc://modelops-artifacts/loop/churn-drift-retrain-1/" + job + "\"}");
    }
    client.resources(Experiment.class).inNamespace("loop").withName("churn-drift-retrain-1")
        .waitUntilCondition(e -> e.getStatus() != null && "churn-v2".equals(e.getStatus().getModelVersion()), 60, TimeUnit.SECONDS);
    ModelVersion v2 = client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v2").get();
    assertThat(v2.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(v2.getMetadata().getOwnerReferences()).as("a registry record: no owner").isNullOrEmpty();
    assertThat(v2.getSpec().getSource().getExperiment()).isEqualTo("churn-drift-retrain-1");
    assertThat(v2.getMetadata().getLabels()).containsEntry("modelops.dev/drift-policy", "churn-drift").containsEntry("modelops.dev/experiment", "churn-drift-retrain-1");
    assertThat(v2.getMetadata().getAnnotations()).containsEntry("modelops.dev/retrain-of", "churn-v1");
    Cluster.makeReady(client, client.apps().deployments().inNamespace("loop").withName("churn-v2").waitUntilCondition(x -> x != null, 60, TimeUnit.SECONDS), 1);
    client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v2").waitUntilCondition(m -> m.getStatus() != null
        && m.getStatus().getPhase() == ModelVersionStatus.Phase.Serving && Boolean.TRUE.equals(m.getStatus().getReceivesProductionTraffic()), 60, TimeUnit.SECONDS);

    // Deleting the policy deletes its retraining Experiment (a working object), not the version it registered.
    client.resources(DriftPolicy.class).inNamespace("loop").withName("churn-drift").delete();
    client.resources(Experiment.class).inNamespace("loop").withName("churn-drift-retrain-1").waitUntilCondition(e -> e == null, 60, TimeUnit.SECONDS);
    client.batch().v1().jobs().inNamespace("loop").withName("churn-drift-retrain-1-t0").waitUntilCondition(j -> j == null, 60, TimeUnit.SECONDS);
    assertThat(registry.scrape()).as("a deleted policy's metrics go with it").doesNotContain("policy=\"churn-drift\"");
    stillServing("churn-v2");

    // Archived: the serving objects go, the registry record stays.
    client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1").edit(m -> {
      m.getSpec().setStage(ModelVersionSpec.Stage.Archived);
      return m;
    });
    client.apps().deployments().inNamespace("loop").withName("churn-v1").waitUntilCondition(x -> x == null, 60, TimeUnit.SECONDS);
    client.services().inNamespace("loop").withName("churn-v1").waitUntilCondition(x -> x == null, 60, TimeUnit.SECONDS);
    assertThat(client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1").get()).isNotNull();

    // Deleting the Experiment garbage-collects its trial Jobs, not the versions it registered
    // (nor the legacy one an earlier release had made its child), nor what serves them.
    client.resources(Experiment.class).inNamespace("loop").withName("churn-baseline").delete();
    client.batch().v1().jobs().inNamespace("loop").withName("churn-baseline-t0").waitUntilCondition(j -> j == null, 60, TimeUnit.SECONDS);
    client.resources(Experiment.class).inNamespace("loop").withName("churn-baseline").waitUntilCondition(e -> e == null, 60, TimeUnit.SECONDS);
    Thread.sleep(3000); // the garbage collector has processed the deletions above; give it time for any dependent it would still take
    assertThat(client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1").get()).as("archived, kept as the registry record").isNotNull();
    assertThat(client.resources(ModelVersion.class).inNamespace("loop").withName("legacy-v1").get()).isNotNull();
    assertThat(client.apps().deployments().inNamespace("loop").withName("legacy-v1").get()).isNotNull();
    assertThat(client.services().inNamespace("loop").withName("legacy-v1").get()).isNotNull();
    stillServing("churn-v2");

    // The operator's probes and metrics.
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + probes.port();
    assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/healthz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/readyz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("operator_sdk_reconciliations");

    // The blocked Experiment: Pending with the reason, no Job, and few looks (10 s, 20 s, 40 s, ...).
    Experiment stillBlocked = client.resources(Experiment.class).inNamespace("loop").withName("blocked").get();
    assertThat(stillBlocked.getStatus().getPhase()).isEqualTo(ExperimentStatus.Phase.Pending);
    assertThat(stillBlocked.getStatus().getMessage()).contains("PersistentVolumeClaim 'missing-data'", "does not exist");
    assertThat(client.batch().v1().jobs().inNamespace("loop").withLabel("modelops.dev/experiment", "blocked").list().getItems()).isEmpty();
    long seconds = (System.currentTimeMillis() - blockedSince) / 1000;
    long looks = statusWrites("blocked");
    assertThat(looks).as("status writes for the blocked Experiment in %d s", seconds).isBetween(1L, 2 + (long) (Math.log(Math.max(seconds, 10) / 10.0) / Math.log(2)) + 1);

    // RBAC: nothing was refused, and every permission the rules file grants was used.
    java.util.SortedSet<String> used = used();
    assertThat(used).noneMatch(u -> u.endsWith("FORBIDDEN"));
    used.remove("authorization.k8s.io/selfsubjectrulesreviews:create"); // every user may; JOSDK checks its permissions with it
    used.add("coordination.k8s.io/leases:update"); // JOSDK refuses to start leader election without it, though renewals patch
    // A server-side apply that creates the object is audited as patch but authorised as create too.
    for (String applied : new String[] {"apps/deployments", "/services"}) {
      if (used.contains(applied + ":patch")) {
        used.add(applied + ":create");
      }
    }
    assertThat(used).as("granted by operator-clusterrole.yaml but never used (excessive), or used but not granted")
        .containsExactlyInAnyOrderElementsOf(granted());
  }

  /** The Production version, its Deployment and Services are there, and it still receives the model's traffic. */
  static void stillServing(String name) {
    ModelVersion mv = client.resources(ModelVersion.class).inNamespace("loop").withName(name).get();
    assertThat(mv).as(name).isNotNull();
    assertThat(mv.getStatus().getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(mv.getStatus().getReceivesProductionTraffic()).isTrue();
    assertThat(client.apps().deployments().inNamespace("loop").withName(name).get()).isNotNull();
    assertThat(client.services().inNamespace("loop").withName(name).get()).isNotNull();
    assertThat(client.services().inNamespace("loop").withName("churn").get().getSpec().getSelector())
        .containsEntry("modelops.dev/version", name.substring(name.lastIndexOf('v') + 1));
  }

  /** group/resource:verb for every rule of the operator's ClusterRole. */
  static java.util.SortedSet<String> granted() throws Exception {
    var role = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../operator/src/main/resources/rbac/operator-clusterrole.yaml").toFile());
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    for (var rule : role.path("rules")) {
      for (var group : rule.path("apiGroups")) {
        for (var resource : rule.path("resources")) {
          for (var verb : rule.path("verbs")) {
            out.add(group.asText() + "/" + resource.asText() + ":" + verb.asText());
          }
        }
      }
    }
    return out;
  }

  /** group/resource[/subresource]:verb of every request the operator's ServiceAccount made, and 403s. */
  /** How often the operator wrote an Experiment's status. */
  static long statusWrites(String experiment) throws Exception {
    ObjectMapper json = new ObjectMapper();
    long n = 0;
    for (String line : Files.readAllLines(tmp.resolve("audit.log"))) {
      var e = json.readTree(line);
      var ref = e.path("objectRef");
      if ("ResponseComplete".equals(e.path("stage").asText()) && "experiments".equals(ref.path("resource").asText())
          && "status".equals(ref.path("subresource").asText()) && experiment.equals(ref.path("name").asText())
          && "patch".equals(e.path("verb").asText())) {
        n++;
      }
    }
    return n;
  }

  static java.util.SortedSet<String> used() throws Exception {
    ObjectMapper json = new ObjectMapper();
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    for (String line : Files.readAllLines(tmp.resolve("audit.log"))) {
      var e = json.readTree(line);
      if (!"system:serviceaccount:modelops:modelops-operator".equals(e.path("user").path("username").asText())
          && !"system:serviceaccount:modelops:modelops-operator".equals(e.path("impersonatedUser").path("username").asText())) {
        continue;
      }
      var ref = e.path("objectRef");
      String resource = ref.path("apiGroup").asText("") + "/" + ref.path("resource").asText() + (ref.hasNonNull("subresource") ? "/" + ref.path("subresource").asText() : "");
      out.add(resource + ":" + e.path("verb").asText() + (e.path("responseStatus").path("code").asInt() == 403 ? " FORBIDDEN" : ""));
    }
    return out;
  }
}
