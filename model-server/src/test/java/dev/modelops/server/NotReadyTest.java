package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing or corrupt bundle keeps the server alive but never ready, and it never predicts. */
class NotReadyTest {
  @TempDir Path tmp;

  /** Serves {@code bundle}, checks the server is alive, never ready and never predicts; returns the answer to a prediction. */
  static String assertNotReady(String bundle) throws Exception {
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1, "model.bundle", bundle))) {
      String base = "http://127.0.0.1:" + server.getPort();
      HttpClient http = HttpClient.newHttpClient();
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/churn/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
      HttpResponse<String> predict = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"tenure\": 1}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(predict.statusCode()).isEqualTo(503);
      assertThat(predict.body()).contains("the model is not loaded", bundle);
      return predict.body();
    }
  }

  @Test
  void aMissingBundle() throws Exception {
    assertNotReady(tmp.resolve("nowhere").toString());
  }

  @Test
  void aCorruptBundle() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    Files.write(bundle.resolve("model.ubj"), new byte[] {1, 2, 3});
    assertNotReady(bundle.toString());
  }
}
