package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.ModelBundle;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server as the operator runs it locked down, over real HTTP: with model.admin-port, drift,
 * answer statistics and metrics answer only on that port and inference only on the other (so a NetworkPolicy can keep
 * clients to inference); with model.feedback-token, feedback needs the bearer token.
 */
class LockedDownServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String TOKEN = "feedback-s3cret";

  @TempDir static Path tmp;
  static EmbeddedServer server;
  static String inference;
  static String admin;
  static List<Map<String, Object>> rows;

  @BeforeAll
  static void start() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    rows = ServerApiTest.churnRecords(ModelBundle.read(bundle));
    int adminPort;
    try (ServerSocket s = new ServerSocket(0)) {
      adminPort = s.getLocalPort();
    }
    server = ApplicationContext.run(EmbeddedServer.class, Map.of(
        "micronaut.server.port", -1,
        "model.bundle", bundle.toString(),
        "model.admin-port", adminPort,
        // As a Secret file often has it: a final newline, which is not part of the token.
        "model.feedback-token", TOKEN + "\n"));
    inference = "http://127.0.0.1:" + server.getPort();
    admin = "http://127.0.0.1:" + adminPort;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.getApplicationContext().close();
    }
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void driftAndMetricsAnswerOnlyOnTheAdminPortAndInferenceOnlyOnTheOther() throws Exception {
    assertThat(post(inference + "/v1/predict", JSON.writeValueAsString(rows.get(0))).statusCode()).isEqualTo(200);
    assertThat(get(inference + "/v2/health/ready").statusCode()).as("the kubelet's probes stay on the inference port").isEqualTo(200);
    for (String path : List.of("/v1/drift", "/v1/drift/counts", "/v1/drift/reference", "/v1/stats", "/prometheus")) {
      HttpResponse<String> there = get(admin + path);
      assertThat(there.statusCode()).as("%s on the admin port: %s", path, there.body()).isEqualTo(200);
      HttpResponse<String> notHere = get(inference + path);
      assertThat(notHere.statusCode()).as("%s on the inference port", path).isEqualTo(404);
      assertThat(JSON.readTree(notHere.body()).path("error").asText()).as("the server's error shape").contains("no such endpoint");
    }
    assertThat(JSON.readTree(get(admin + "/v1/drift/counts").body()).path("samples").asLong()).as("the prediction above").isGreaterThanOrEqualTo(1);
    assertThat(get(admin + "/prometheus").body()).contains("model_served{");
    assertThat(JSON.readTree(get(admin + "/v1/stats").body()).path("requests").asLong()).as("the answers the operator reads for a rollback")
        .isGreaterThanOrEqualTo(1);
    HttpResponse<String> predictOnAdmin = post(admin + "/v1/predict", JSON.writeValueAsString(rows.get(0)));
    assertThat(predictOnAdmin.statusCode()).as("no inference on the admin port").isEqualTo(404);
    assertThat(get(admin + "/v2/health/ready").statusCode()).isEqualTo(404);
  }

  @Test
  void feedbackNeedsTheBearerTokenAndSaysSoInTheServersErrorShape() throws Exception {
    JsonNode answer = JSON.readTree(post(inference + "/v1/predict", JSON.writeValueAsString(rows.get(1))).body());
    String label = JSON.writeValueAsString(Map.of("id", answer.path("id").asText(), "label", answer.path("class").asInt()));

    HttpResponse<String> none = post(inference + "/v1/feedback", label);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    JsonNode error = JSON.readTree(none.body());
    assertThat(error.path("field").asText()).isEqualTo("Authorization");
    assertThat(error.path("status").asInt()).isEqualTo(401);
    assertThat(error.path("error").asText()).contains("Authorization: Bearer <token>", "no Authorization header");

    HttpResponse<String> wrong = post(inference + "/v1/feedback", label, "Authorization", "Bearer " + TOKEN + "x");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("not this server's feedback token").doesNotContain(TOKEN);
    HttpResponse<String> basic = post(inference + "/v1/feedback", label, "Authorization", "Basic dXNlcjpwYXNz");
    assertThat(basic.statusCode()).isEqualTo(401);
    assertThat(basic.body()).contains("not the basic scheme");
    // A refused label was not counted.
    assertThat(JSON.readTree(get(admin + "/v1/drift/counts").body()).path("feedback").asLong()).isZero();

    HttpResponse<String> right = post(inference + "/v1/feedback", label, "Authorization", "Bearer " + TOKEN);
    assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
    assertThat(JSON.readTree(right.body()).path("accepted").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(get(admin + "/v1/drift/counts").body()).path("feedback").asLong())
        .as("the operator reads the counts without the token").isEqualTo(1);
  }

  @Test
  void aFeedbackTokenSetButEmptyStopsTheServerNamingTheSetting() {
    Throwable failure = null;
    EmbeddedServer started = null;
    try {
      started = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1,
          "model.bundle", tmp.resolve("churn-bundle").toString(), "model.feedback-token", " "));
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      if (started != null) {
        started.getApplicationContext().close();
      }
    }
    assertThat(failure).as("an empty token must not open feedback silently").isNotNull();
    Throwable root = failure;
    while (root.getCause() != null && !String.valueOf(root.getMessage()).contains("model.feedback-token")) {
      root = root.getCause();
    }
    assertThat(root.getMessage()).contains("model.feedback-token", "set but empty");
  }
}
