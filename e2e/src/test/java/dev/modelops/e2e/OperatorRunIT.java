package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * its trial Jobs, finished trials register a ModelVersion, the version is rolled out, and
 * deleting the Experiment removes everything it owned.
 */
class OperatorRunIT {
  @TempDir static Path tmp;
  static KubeAPIServer server;
  static KubernetesClient client;
  static Operator operator;
  static Process controllerManager;
  static KubernetesClient operatorClient;

  @BeforeAll
  static void start() throws Exception {
    server = KubeApiServer.start();
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
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("modelops").endMetadata().build()).create();
    // The operator runs as its ServiceAccount with exactly the rules the chart grants: a
    // missing permission makes the loop below fail.
    client.serviceAccounts().inNamespace("modelops").resource(new ServiceAccountBuilder().withNewMetadata().withName("modelops-operator").endMetadata().build()).create();
    client.load(Files.newInputStream(Path.of("../operator/src/main/resources/rbac/operator-clusterrole.yaml"))).serverSideApply();
    client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("modelops-operator").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "modelops-operator")
        .addNewSubject().withKind("ServiceAccount").withName("modelops-operator").withNamespace("modelops").endSubject().build()).create();
    Config asOperator = Config.fromKubeconfig(server.getKubeConfigYaml());
    asOperator.setImpersonateUsername("system:serviceaccount:modelops:modelops-operator");
    asOperator.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:modelops", "system:authenticated");
    operatorClient = new KubernetesClientBuilder().withConfig(asOperator).build();
    operator = OperatorMain.create(operatorClient, new OperatorSettings("trainer:test", "server:test", "modelops-artifacts"), Set.of("loop"), null);
    operator.start();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.stop();
    }
    if (controllerManager != null) {
      controllerManager.destroyForcibly();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void anAppliedExperimentIsTrainedRegisteredServedAndCleanedUp() throws Exception {
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace("loop");
    exp.getSpec().getSearch().setMaxTrials(2);
    client.resource(exp).create();

    for (String job : new String[] {"churn-baseline-t0", "churn-baseline-t1"}) {
      client.batch().v1().jobs().inNamespace("loop").withName(job).waitUntilCondition(j -> j != null, 30, TimeUnit.SECONDS);
    }
    OperatorOnApiServerIT.client = client;
    OperatorOnApiServerIT.finish("loop", "churn-baseline-t0", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.85},\"bundleUri\":\"pvc://modelops-artifacts/loop/churn-baseline/churn-baseline-t0\"}");
    OperatorOnApiServerIT.finish("loop", "churn-baseline-t1", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.83},\"bundleUri\":\"pvc://modelops-artifacts/loop/churn-baseline/churn-baseline-t1\"}");

    Experiment done = client.resources(Experiment.class).inNamespace("loop").withName("churn-baseline")
        .waitUntilCondition(e -> e.getStatus() != null && e.getStatus().getPhase() == ExperimentStatus.Phase.Succeeded, 60, TimeUnit.SECONDS);
    assertThat(done.getStatus().getModelVersion()).isEqualTo("churn-v1");
    assertThat(done.getStatus().getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());

    Deployment d = client.apps().deployments().inNamespace("loop").withName("churn-v1").waitUntilCondition(x -> x != null, 60, TimeUnit.SECONDS);
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).withUpdatedReplicas(1).build());
    client.apps().deployments().inNamespace("loop").resource(d).updateStatus();
    ModelVersion serving = client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1")
        .waitUntilCondition(m -> m.getStatus() != null && m.getStatus().getPhase() == ModelVersionStatus.Phase.Serving, 60, TimeUnit.SECONDS);
    assertThat(serving.getStatus().getEndpoint()).isEqualTo("http://churn-v1.loop.svc:8080");
    assertThat(client.services().inNamespace("loop").withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "1");

    // Garbage collection follows the owner references: Experiment -> Jobs, ModelVersion -> Deployment, Services.
    client.resources(Experiment.class).inNamespace("loop").withName("churn-baseline").delete();
    client.batch().v1().jobs().inNamespace("loop").withName("churn-baseline-t0").waitUntilCondition(j -> j == null, 60, TimeUnit.SECONDS);
    client.resources(ModelVersion.class).inNamespace("loop").withName("churn-v1").waitUntilCondition(m -> m == null, 60, TimeUnit.SECONDS);
    client.apps().deployments().inNamespace("loop").withName("churn-v1").waitUntilCondition(x -> x == null, 60, TimeUnit.SECONDS);
    client.services().inNamespace("loop").withName("churn").waitUntilCondition(x -> x == null, 60, TimeUnit.SECONDS);
  }
}
