package dev.modelops.e2e;

import dev.modelops.api.testing.RealApiServer;
import io.fabric8.kubeapitest.KubeAPIServer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shared real API server of api's test-jar ({@link RealApiServer}), with this repository's
 * CRDs, and what e2e tests do on it that a cluster would otherwise do (finish a Job, create a claim).
 */
final class KubeApiServer {
  private KubeApiServer() {}

  static Path binaries() {
    return RealApiServer.binaries();
  }

  /** Starts an API server, or skips the test when the binaries are missing. */
  static KubeAPIServer start(String... flags) {
    return RealApiServer.start(flags);
  }

  /** A client of the server, with the CRDs of crds/ applied and established. */
  static io.fabric8.kubernetes.client.KubernetesClient clientWithCrds(KubeAPIServer server) throws IOException {
    return RealApiServer.clientWithCrds(server, Path.of("../crds"));
  }

  /**
   * Ends a trial Job as a cluster would: first its Pod (with the template's labels and the Job
   * controller's job-name) with the trainer's termination message, then the Job's status
   * (Complete, or Failed after its backoff limit).
   */
  static void finishJob(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String job, String image, int exitCode, String message) {
    boolean ok = exitCode == 0;
    String now = java.time.Instant.now().toString();
    var j = client.batch().v1().jobs().inNamespace(ns).withName(job).get();
    var pod = client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(job + "-pod")
        .withLabels(podLabels(j)).endMetadata()
        .withNewSpec().addNewContainer().withName("trainer").withImage(image).endContainer().withRestartPolicy("Never").endSpec().build()).create();
    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(ok ? "Succeeded" : "Failed")
        .withContainerStatuses(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("trainer").withImage(image).withImageID("")
            .withReady(false).withRestartCount(0)
            .withNewState().withNewTerminated().withExitCode(exitCode).withReason(ok ? "Completed" : "Error").withMessage(message)
            .withStartedAt(now).withFinishedAt(now).endTerminated().endState().build()).build());
    client.pods().inNamespace(ns).resource(pod).updateStatus();
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

  /** The labels the Job controller gives a Job's Pods: the template's, and job-name. */
  static java.util.Map<String, String> podLabels(io.fabric8.kubernetes.api.model.batch.v1.Job job) {
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("job-name", job.getMetadata().getName());
    return labels;
  }

  /** Creates a PersistentVolumeClaim (it stays Pending here: no provisioner runs; trials only need it to exist). */
  static void claim(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String name) {
    RealApiServer.claim(client, ns, name);
  }

  /** Writes the server's kubeconfig to a file, for kubectl. */
  static Path kubeconfig(KubeAPIServer server, Path dir) throws IOException {
    return RealApiServer.kubeconfig(server, dir);
  }
}
