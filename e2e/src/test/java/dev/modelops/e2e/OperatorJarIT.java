package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * operator/target/operator.jar as users run it outside a cluster: `KUBECONFIG=... java -jar
 * operator.jar` becomes ready, serves its metrics, and stops cleanly on SIGTERM; killed with
 * SIGKILL in the middle of an Experiment and restarted, it neither duplicates nor loses a trial.
 */
class OperatorJarIT {
  @TempDir Path tmp;

  @Test
  void theJarRunsWithAKubeconfigAndStopsOnSigterm() throws Exception {
    KubeAPIServer server = KubeApiServer.start();
    Process operator = null;
    try (KubernetesClient client = KubeApiServer.clientWithCrds(server)) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "../operator/target/operator.jar")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("operator.log").toFile());
      pb.environment().putAll(Map.of("KUBECONFIG", KubeApiServer.kubeconfig(server, tmp).toString(), "MODELOPS_PROBE_PORT", Integer.toString(port)));
      operator = pb.start();
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.currentTimeMillis() + 60_000;
      int ready = 0;
      while (ready != 200 && System.currentTimeMillis() < deadline && operator.isAlive()) {
        try {
          ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (java.io.IOException e) {
          Thread.sleep(200);
        }
      }
      assertThat(ready).as(Files.readString(tmp.resolve("operator.log"))).isEqualTo(200);
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("jvm_memory_used_bytes");
      operator.destroy();
      assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as("stops within 30 s of SIGTERM").isTrue();
      assertThat(Files.readString(tmp.resolve("operator.log"))).contains("modelops operator started");

      // Killed with SIGKILL in the middle of an Experiment and restarted: no trial is duplicated
      // or lost, and a trial that finished while it was down is collected.
      client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build())
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      KubeApiServer.claim(client, "default", "modelops-artifacts");
      KubeApiServer.claim(client, "default", "data"); // the example's data (examples/cluster/storage.yaml)
      var exp = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readValue(Path.of("../examples/churn/experiment.yaml").toFile(), dev.modelops.api.v1alpha1.Experiment.class);
      exp.getMetadata().setNamespace("default");
      exp.getSpec().getSearch().setMaxTrials(3);
      exp.getSpec().getSearch().setParallelTrials(2);
      operator = pb.start();
      client.resource(exp).create();
      var jobs = client.batch().v1().jobs().inNamespace("default");
      jobs.withName("churn-baseline-t1").waitUntilCondition(j -> j != null, 60, TimeUnit.SECONDS);
      operator.destroyForcibly().waitFor();
      KubeApiServer.finishJob(client, "default", "churn-baseline-t0", "trainer:test", 0,
          "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.83},\"bundleUri\":\"pvc://modelops-artifacts/default/churn-baseline/churn-baseline-t0\"}");
      operator = pb.start();
      jobs.withName("churn-baseline-t2").waitUntilCondition(j -> j != null, 60, TimeUnit.SECONDS);
      var collected = client.resources(dev.modelops.api.v1alpha1.Experiment.class).inNamespace("default").withName("churn-baseline")
          .waitUntilCondition(e -> e.getStatus() != null && e.getStatus().getTrials() != null && e.getStatus().getTrials().stream()
              .anyMatch(t -> "churn-baseline-t0".equals(t.getName()) && t.getPhase() == dev.modelops.api.v1alpha1.ExperimentStatus.TrialPhase.Succeeded),
              60, TimeUnit.SECONDS);
      assertThat(jobs.list().getItems()).extracting(j -> j.getMetadata().getName())
          .containsExactlyInAnyOrder("churn-baseline-t0", "churn-baseline-t1", "churn-baseline-t2");
      assertThat(collected.getStatus().getTrials()).extracting(t -> t.getName())
          .containsExactly("churn-baseline-t0", "churn-baseline-t1", "churn-baseline-t2");
    } finally {
      if (operator != null) {
        operator.destroyForcibly();
      }
      server.stop();
    }
  }
}
