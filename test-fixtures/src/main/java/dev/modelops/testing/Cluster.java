package dev.modelops.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What a cluster's controllers and kubelet would do, done by a test on a bare API server (no
 * kube-controller-manager, no kubelet): end a trial Job, make a Deployment ready, run a Pod.
 */
public final class Cluster {
  private Cluster() {}

  /**
   * Ends a trial Job as a cluster would: first its Pod (the template's labels and job-name) with
   * the trainer's termination message, then the Job's status (Complete, or Failed after its
   * backoff limit).
   */
  public static void finishJob(KubernetesClient client, String ns, String job, String image, int exitCode, String message) {
    Job j = client.batch().v1().jobs().inNamespace(ns).withName(job).get();
    Instant now = Instant.now();
    Pod pod = ClusterObjects.trialPod(j, image, exitCode, message, now);
    var status = pod.getStatus();
    Pod created = client.pods().inNamespace(ns).resource(pod).create();
    created.setStatus(status);
    client.pods().inNamespace(ns).resource(created).updateStatus();
    j.setStatus(ClusterObjects.finished(exitCode == 0, now));
    client.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
  }

  /** Writes a Deployment's status: {@code replicas} replicas, all ready. */
  public static void makeReady(KubernetesClient client, Deployment d, int replicas) {
    d.setStatus(ClusterObjects.ready(replicas, d.getMetadata().getGeneration()));
    client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
  }

  /**
   * Creates a Deployment's Pod (its template's labels and containers) whose first container
   * waits for {@code reason}, as a kubelet would report a crash loop or an image it cannot pull.
   */
  public static Pod waitingPod(KubernetesClient client, Deployment d, String name, String reason, String message, Integer lastExitCode) {
    var template = d.getSpec().getTemplate();
    String container = template.getSpec().getContainers().get(0).getName();
    Pod created = client.pods().inNamespace(d.getMetadata().getNamespace()).resource(new PodBuilder()
        .withNewMetadata().withName(name).withLabels(template.getMetadata().getLabels()).endMetadata()
        .withSpec(template.getSpec()).build()).create();
    created.setStatus(ClusterObjects.waiting(container, template.getSpec().getContainers().get(0).getImage(), reason, message, lastExitCode));
    return client.pods().inNamespace(d.getMetadata().getNamespace()).resource(created).updateStatus();
  }

  /** Creates a running, ready Pod at 127.0.0.1 with its http port, as a kubelet would report it. */
  public static Pod runPod(KubernetesClient client, String ns, String name, Map<String, String> labels, String container, String image, int port) {
    return runPod(client, ns, name, labels, container, image, port, 0);
  }

  /** The same, with a second port named admin (drift and metrics) unless {@code adminPort} is 0. */
  public static Pod runPod(KubernetesClient client, String ns, String name, Map<String, String> labels, String container, String image, int port,
      int adminPort) {
    Pod pod = ClusterObjects.servingPod(name, labels, container, image, port, adminPort);
    var status = pod.getStatus();
    Pod created = client.pods().inNamespace(ns).resource(pod).create();
    created.setStatus(status);
    return client.pods().inNamespace(ns).resource(created).updateStatus();
  }

  /**
   * The namespace's Events once one of them matches {@code first}: the operator announces a
   * decision right after it records its status, so a test that saw the status waits for the
   * Event (at most 30 s) instead of reading them at once.
   */
  public static List<Event> eventsOnce(KubernetesClient client, String ns, Predicate<Event> first) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
      if (events.stream().anyMatch(first) || System.nanoTime() > deadline) {
        return events;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return events;
      }
    }
  }
}
