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
 * operator.jar` becomes ready, serves its metrics, and stops cleanly on SIGTERM.
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
    } finally {
      if (operator != null) {
        operator.destroyForcibly();
      }
      server.stop();
    }
  }
}
