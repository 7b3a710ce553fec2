package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.trainer.TrainerMain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text drift on live traffic, over real HTTP: the sentiment example trained on reviews of all
 * three sources (amazon, imdb, yelp) and served by a real server. Reviews like the training mix
 * raise no text drift; once the traffic is movie reviews alone, the report says the text drifted
 * (the distribution of its vocabulary's terms) and the share of tokens the model never saw rises.
 */
class TextDriftLiveTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final int WINDOW = 600;
  @TempDir static Path tmp;
  static EmbeddedServer server;
  static List<Map<String, Object>> reviews = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path bundle = tmp.resolve("sentiment-bundle");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainerMain.run(new String[] {"--experiment", "../examples/sentiment/experiment.yaml", "--param", "lambda=0.001", "--param", "eta=0.5",
        "--output", bundle.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err), Path.of("../examples").toAbsolutePath().normalize());
    assertThat(code).as(err.toString()).isZero();
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/review-sentiment.csv"))) {
      for (var rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", rec.get("source"));
        m.put("text", rec.get("text"));
        reviews.add(m);
      }
    }
    Collections.shuffle(reviews, new Random(7));
    server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1, "model.bundle", bundle.toString(),
        "model.drift-window", WINDOW));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.getApplicationContext().close();
    }
  }

  static JsonNode textDrift(List<Map<String, Object>> traffic) throws Exception {
    for (int i = 0; i < traffic.size(); i += 50) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/v1/predict"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(traffic.subList(i, Math.min(i + 50, traffic.size()))))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    JsonNode report = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/v1/drift")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).path("report");
    assertThat(report.path("samples").asLong()).isEqualTo(WINDOW);
    for (JsonNode f : report.path("features")) {
      if ("text".equals(f.path("name").asText())) {
        return f;
      }
    }
    throw new AssertionError("no text feature in the report: " + report);
  }

  @Test
  void movieReviewsAloneDriftTheTextWhileTheTrainingMixDoesNot() throws Exception {
    // The window holds the last 600 predictions: first reviews like the training mix ...
    JsonNode mix = textDrift(reviews.stream().limit(WINDOW).toList());
    assertThat(mix.path("drifted").asBoolean()).as("the training mix: %s", mix).isFalse();
    // ... then movie reviews only, which replace them in the window.
    JsonNode movies = textDrift(reviews.stream().filter(r -> "imdb".equals(r.get("source"))).skip(0).limit(WINDOW).toList());
    assertThat(movies.path("drifted").asBoolean()).as("movie reviews alone: %s", movies).isTrue();
    assertThat(movies.path("score").asDouble()).as("term distribution distance").isGreaterThan(mix.path("score").asDouble());
    assertThat(movies.path("outOfVocabularyRate").asDouble()).as("share of unseen tokens").isGreaterThanOrEqualTo(mix.path("outOfVocabularyRate").asDouble());
  }
}
