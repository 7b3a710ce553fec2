package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pod's lifecycle over real HTTP: the preStop drain (readiness drops, every answer closes its
 * connection, nothing is refused) and the answer counts the operator's rollback reads.
 */
class DrainTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir static Path tmp;
  static EmbeddedServer server;
  static String base;
  static String record;

  @BeforeAll
  static void start() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    record = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
        java.util.List.of(ServerApiTest.churnRecords(dev.modelops.bundle.ModelBundle.read(bundle)).get(0)));
    server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1, "model.bundle", bundle.toString()));
    base = "http://127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> predict() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(record)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void statsCountTheAnswersToClientsButNotTheServersOwnEndpoints() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    var before = json.readTree(get("/v1/stats").body());
    assertThat(before.path("version").asInt()).isEqualTo(1);
    predict();
    predict();
    HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[{\"tenure\": \"long\"}]")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    get("/v2/health/ready");
    get("/v2/health/live");
    var after = json.readTree(get("/v1/stats").body());
    assertThat(after.path("requests").asLong() - before.path("requests").asLong()).isEqualTo(3);
    assertThat(after.path("serverErrors").asLong() - before.path("serverErrors").asLong()).isZero();
  }

  @Test
  void drainingDropsReadinessClosesEveryConnectionAndStillAnswers() throws Exception {
    assertThat(get("/v1/lifecycle/drain?seconds=61").statusCode()).isEqualTo(400);
    assertThat(get("/v1/lifecycle/drain?seconds=soon").body()).contains("seconds").contains("soon").contains("0 to 60");
    assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> before = predict();
    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(before.headers().firstValue("connection")).isNotEqualTo(java.util.Optional.of("close"));

    long t0 = System.nanoTime();
    HttpResponse<String> drain = get("/v1/lifecycle/drain?seconds=1");
    assertThat(drain.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the hook waits the seconds asked").isGreaterThanOrEqualTo(Duration.ofMillis(900));

    HttpResponse<String> ready = get("/v2/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("draining");
    HttpResponse<String> during = predict();
    assertThat(during.statusCode()).as("a draining server still answers").isEqualTo(200);
    assertThat(during.headers().firstValue("connection")).contains("close");
  }
}
