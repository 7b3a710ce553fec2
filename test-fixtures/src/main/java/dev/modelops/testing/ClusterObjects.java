package dev.modelops.testing;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The objects and statuses the cluster's controllers and kubelet would make, for tests that run
 * without them: in memory (a decision's unit test) or on a bare API server ({@link Cluster}).
 */
public final class ClusterObjects {
  private ClusterObjects() {}

  /** The labels the Job controller gives a Job's Pods: the template's, and job-name. */
  public static Map<String, String> podLabels(Job job) {
    Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("job-name", job.getMetadata().getName());
    return labels;
  }

  /** The Pod of a trial Job whose trainer container ended with {@code exitCode} and the termination {@code message}. */
  public static Pod trialPod(Job job, String image, int exitCode, String message, Instant at) {
    boolean ok = exitCode == 0;
    Pod pod = new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-pod").withNamespace(job.getMetadata().getNamespace())
        .withLabels(podLabels(job)).endMetadata()
        .withNewSpec().addNewContainer().withName("trainer").withImage(image).endContainer().withRestartPolicy("Never").endSpec().build();
    pod.setStatus(new PodStatusBuilder().withPhase(ok ? "Succeeded" : "Failed")
        .withContainerStatuses(new ContainerStatusBuilder().withName("trainer").withImage(image).withImageID("").withReady(false).withRestartCount(0)
            .withNewState().withNewTerminated().withExitCode(exitCode).withReason(ok ? "Completed" : "Error").withMessage(message)
            .withStartedAt(at.toString()).withFinishedAt(at.toString()).endTerminated().endState().build())
        .build());
    return pod;
  }

  /** A Job's status once it ended: Complete, or Failed after its backoff limit (the conditions the API server requires). */
  public static JobStatus finished(boolean ok, Instant at) {
    String now = at.toString();
    return ok
        ? new JobStatusBuilder().withStartTime(now).withCompletionTime(now).withSucceeded(1).withReady(0)
            .withConditions(new JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True").build(),
                new JobConditionBuilder().withType("Complete").withStatus("True").build()).build()
        : new JobStatusBuilder().withStartTime(now).withFailed(1).withReady(0)
            .withConditions(new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason("BackoffLimitExceeded").build(),
                new JobConditionBuilder().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded").build()).build();
  }

  /** A Deployment's status with {@code replicas} replicas, all ready. */
  public static DeploymentStatus ready(int replicas, Long observedGeneration) {
    return new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas)
        .withUpdatedReplicas(replicas).withObservedGeneration(observedGeneration).build();
  }

  /**
   * A Deployment's status whose rollout exceeded its progress deadline ({@code Progressing=False},
   * reason ProgressDeadlineExceeded) with no replica ready, as the Deployment controller reports it.
   */
  public static DeploymentStatus progressDeadlineExceeded(String deployment, int replicas) {
    return new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(0).withUnavailableReplicas(replicas)
        .withConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
            .withMessage("ReplicaSet \"" + deployment + "-6d4cf56db6\" has timed out progressing.").build())
        .build();
  }

  /**
   * A Pod status whose container waits for {@code reason} (CrashLoopBackOff, ImagePullBackOff,
   * ...) with the kubelet's {@code message}; for a crash loop, {@code lastExitCode} is the exit
   * of the last run (null: none).
   */
  public static PodStatus waiting(String container, String image, String reason, String message, Integer lastExitCode) {
    ContainerStatusBuilder c = new ContainerStatusBuilder().withName(container).withImage(image).withReady(false).withRestartCount(
            lastExitCode == null ? 0 : 5)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState();
    if (lastExitCode != null) {
      c.withNewLastState().withNewTerminated().withExitCode(lastExitCode).withReason("Error").endTerminated().endLastState();
    }
    return new PodStatusBuilder().withPhase(reason.contains("Image") ? "Pending" : "Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("False").withReason("ContainersNotReady").build())
        .withContainerStatuses(c.build()).build();
  }

  /** A running, ready Pod at 127.0.0.1 (where the test's process listens), its port named http. */
  public static Pod servingPod(String name, Map<String, String> labels, String container, String image, int port) {
    return servingPod(name, labels, container, image, port, 0);
  }

  /** The same, with a second port named admin (drift and metrics) unless {@code adminPort} is 0. */
  public static Pod servingPod(String name, Map<String, String> labels, String container, String image, int port, int adminPort) {
    var ports = new java.util.ArrayList<io.fabric8.kubernetes.api.model.ContainerPort>();
    ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName("http").withContainerPort(port).build());
    if (adminPort != 0) {
      ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName("admin").withContainerPort(adminPort).build());
    }
    Pod pod = new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName(container).withImage(image).withPorts(ports)
        .endContainer().endSpec().build();
    pod.setStatus(running());
    return pod;
  }

  private static PodStatus running() {
    return new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.1")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).build();
  }
}
