package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as Kubernetes runs it: SIGTERM while requests are in flight loses none of the
 * predictions it accepted; every answered id is in the inference log.
 */
class GracefulShutdownIT {
  @TempDir Path tmp;

  @Test
  void sigtermDrainsRequestsAndFlushesTheInferenceLog() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    List<Map<String, Object>> rows = ServerApiTest.churnRecords(dev.modelops.bundle.ModelBundle.read(bundle));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = tmp.resolve("log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "target/model-server.jar")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("server.out").toFile());
    pb.environment().putAll(Map.of("MODEL_BUNDLE", bundle.toString(), "MODEL_INFERENCE_LOG", log.toString(), "MICRONAUT_SERVER_PORT", Integer.toString(port)));
    Process server = pb.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      String base = "http://127.0.0.1:" + port;
      long deadline = System.currentTimeMillis() + 60_000;
      while (true) {
        try {
          if (http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
            break;
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
        assertThat(System.currentTimeMillis()).as(Files.readString(tmp.resolve("server.out"))).isLessThan(deadline);
        Thread.sleep(200);
      }
      ObjectMapper json = new ObjectMapper();
      String body = json.writeValueAsString(rows.subList(0, 50));
      Set<String> answered = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        json.readTree(r.body()).forEach(a -> answered.add(a.path("id").asText()));
      }
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        if (i == 100) {
          server.toHandle().destroy(); // SIGTERM
        }
      }
      for (CompletableFuture<HttpResponse<String>> f : inFlight) {
        try {
          HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
          if (r.statusCode() == 200) {
            for (JsonNode a : json.readTree(r.body())) {
              answered.add(a.path("id").asText());
            }
          }
        } catch (Exception e) {
          // refused after shutdown began: not accepted, so nothing to lose
        }
      }
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(answered).hasSizeGreaterThanOrEqualTo(1000);
      Set<String> logged = new HashSet<>();
      for (String line : Files.readAllLines(log.resolve("inference.ndjson"))) {
        logged.add(json.readTree(line).path("id").asText());
      }
      assertThat(logged).containsAll(answered);
    } finally {
      server.destroyForcibly();
    }
  }
}
