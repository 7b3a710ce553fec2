package dev.modelops.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver and etcd for tests, from the binaries tools/kube/kube-binaries.sh builds
 * (never downloaded). Tests are skipped, saying why, when the binaries are not there.
 */
final class KubeApiServer {
  static final String VERSION = System.getProperty("modelops.k8sVersion", "1.33.4");

  private KubeApiServer() {}

  static Path binaries() {
    String dir = System.getenv().getOrDefault("KUBE_API_TEST_DIR", System.getProperty("user.home") + "/.kubeapitest");
    return Path.of(dir, "k8s", VERSION + "-linux-amd64");
  }

  /** Starts an API server, or skips the test when the binaries are missing. */
  static KubeAPIServer start(String... flags) {
    Path bin = binaries();
    Assumptions.assumeTrue(Files.isExecutable(bin.resolve("kube-apiserver")) && Files.isExecutable(bin.resolve("etcd")),
        "no Kubernetes binaries in " + bin + "; run tools/kube/kube-binaries.sh");
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withApiServerVersion(VERSION).withOfflineMode(true).withUpdateKubeConfig(false).withApiServerFlags(java.util.List.of(flags)).build());
    server.start();
    return server;
  }

  /** A client of the server, with the CRDs of crds/ applied and established. */
  static io.fabric8.kubernetes.client.KubernetesClient clientWithCrds(KubeAPIServer server) throws IOException {
    var client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(server.getKubeConfigYaml())).build();
    try (java.util.stream.Stream<Path> crds = Files.list(Path.of("../crds"))) {
      for (Path crd : crds.toList()) {
        client.load(Files.newInputStream(crd)).serverSideApply();
      }
    }
    client.apiextensions().v1().customResourceDefinitions().list().getItems()
        .forEach(c -> client.apiextensions().v1().customResourceDefinitions().withName(c.getMetadata().getName())
            .waitUntilCondition(d -> d.getStatus() != null && d.getStatus().getConditions() != null && d.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, java.util.concurrent.TimeUnit.SECONDS));
    return client;
  }

  /**
   * Ends a trial Job as a cluster would: first its Pod with the trainer's termination message,
   * then the Job's status (Complete, or Failed after its backoff limit).
   */
  static void finishJob(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String job, String image, int exitCode, String message) {
    boolean ok = exitCode == 0;
    String now = java.time.Instant.now().toString();
    var pod = client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(job + "-pod")
        .addToLabels("job-name", job).endMetadata()
        .withNewSpec().addNewContainer().withName("trainer").withImage(image).endContainer().withRestartPolicy("Never").endSpec().build()).create();
    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(ok ? "Succeeded" : "Failed")
        .withContainerStatuses(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("trainer").withImage(image).withImageID("")
            .withReady(false).withRestartCount(0)
            .withNewState().withNewTerminated().withExitCode(exitCode).withReason(ok ? "Completed" : "Error").withMessage(message)
            .withStartedAt(now).withFinishedAt(now).endTerminated().endState().build()).build());
    client.pods().inNamespace(ns).resource(pod).updateStatus();
    var j = client.batch().v1().jobs().inNamespace(ns).withName(job).get();
    j.setStatus(ok
        ? new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withStartTime(now).withCompletionTime(now).withSucceeded(1).withReady(0)
            .withConditions(new io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True").build(),
                new io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder().withType("Complete").withStatus("True").build()).build()
        : new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withStartTime(now).withFailed(1).withReady(0)
            .withConditions(new io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder().withType("FailureTarget").withStatus("True")
                    .withReason("BackoffLimitExceeded").build(),
                new io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder().withType("Failed").withStatus("True")
                    .withReason("BackoffLimitExceeded").build()).build());
    client.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
  }

  /** Creates a PersistentVolumeClaim (it stays Pending here: no provisioner runs; trials only need it to exist). */
  static void claim(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String name) {
    client.persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).endMetadata().withNewSpec().withAccessModes("ReadWriteMany")
        .withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec().build()).create();
  }

  /** Writes the server's kubeconfig to a file, for kubectl. */
  static Path kubeconfig(KubeAPIServer server, Path dir) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, server.getKubeConfigYaml());
    return file;
  }
}
