package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text drift on live traffic through a real model server: the sentiment model, trained on two
 * thirds of the reviews of all three sources (amazon, imdb, yelp), serves the held-out third.
 * Served one source at a time, the text's term distribution (Jensen-Shannon over the most
 * frequent training terms) drifts, further from the reference than the held-out reviews of all
 * sources together, and so does the source, which all sources together leave in place. The out-of-vocabulary rate is reported for each (a third of held-out words;
 * it hardly moves between sources, since the vocabulary has all three).
 */
class TextDriftIT {
  @TempDir static Path dir;
  static Path bundle;
  static final List<CSVRecord> HELD_OUT = new ArrayList<>();

  @BeforeAll
  static void train() throws Exception {
    Path data = dir.resolve("pvc/data");
    Files.createDirectories(data);
    CSVFormat csv = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader r = Files.newBufferedReader(Path.of("../examples/data/review-sentiment.csv"));
        Writer w = Files.newBufferedWriter(data.resolve("review-sentiment.csv"));
        CSVPrinter train = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("source", "text", "label").get())) {
      int i = 0;
      for (CSVRecord rec : csv.parse(r)) {
        if (i++ % 3 == 0) {
          HELD_OUT.add(rec);
        } else {
          train.printRecord(rec.get("source"), rec.get("text"), rec.get("label"));
        }
      }
    }
    bundle = dir.resolve("sentiment-bundle");
    int code = TrainerMain.run(new String[] {"--experiment", "../examples/sentiment/experiment.yaml", "--param", "lambda=0.001", "--param", "eta=0.5",
        "--output", bundle.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()), dir.resolve("pvc"));
    assertThat(code).as("the trainer's exit code").isZero();
  }

  /** The report of a fresh server after it scored {@code rows}: the text feature's and the source's drift. */
  static Map<String, JsonNode> served(List<CSVRecord> rows) throws Exception {
    List<Map<String, Object>> records = new ArrayList<>();
    for (CSVRecord rec : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("text", rec.get("text"));
      m.put("source", rec.get("source"));
      records.add(m);
    }
    try (ModelServerProcess server = ModelServerProcess.start(bundle, dir, Map.of())) {
      server.predict(records);
      JsonNode report = ModelServerProcess.JSON.readTree(server.getAdmin("/v1/drift").body()).path("report");
      assertThat(report.path("samples").asLong()).isEqualTo(rows.size());
      Map<String, JsonNode> out = new LinkedHashMap<>();
      report.path("features").forEach(f -> out.put(f.path("name").asText(), f));
      return out;
    }
  }

  @Test
  void servingOneSourceOnlyRaisesTextDrift() throws Exception {
    Map<String, JsonNode> all = served(HELD_OUT);
    JsonNode text = all.get("text");
    System.out.printf("all sources (%d reviews): text JS %.4f OOV %.4f; source JS %.4f%n", HELD_OUT.size(),
        text.path("score").asDouble(), text.path("outOfVocabularyRate").asDouble(), all.get("source").path("score").asDouble());
    Map<String, Map<String, JsonNode>> bySource = new LinkedHashMap<>();
    for (String source : List.of("amazon", "imdb", "yelp")) {
      List<CSVRecord> one = HELD_OUT.stream().filter(r -> r.get("source").equals(source)).toList();
      Map<String, JsonNode> only = served(one);
      bySource.put(source, only);
      System.out.printf("%s only (%d reviews): text JS %.4f OOV %.4f; source JS %.4f%n", source, one.size(),
          only.get("text").path("score").asDouble(), only.get("text").path("outOfVocabularyRate").asDouble(), only.get("source").path("score").asDouble());
    }
    assertThat(text.path("statistic").asText()).isEqualTo("jensenShannon");
    // Held-out reviews of all sources are what the reference (the validation split's documents,
    // new to the vocabulary as live ones are) looks like: no text drift.
    assertThat(text.path("drifted").asBoolean()).as("all sources: text (score %s)", text.path("score")).isFalse();
    assertThat(all.get("source").path("drifted").asBoolean()).isFalse();
    assertThat(text.path("outOfVocabularyRate").asDouble()).as("held-out reviews use words the model never saw").isBetween(0.05, 0.9);
    for (String source : bySource.keySet()) {
      Map<String, JsonNode> only = bySource.get(source);
      JsonNode t = only.get("text");
      assertThat(t.path("drifted").asBoolean()).as("%s only: text drifted (score %s)", source, t.path("score")).isTrue();
      assertThat(t.path("score").asDouble()).as("%s only against all sources", source).isGreaterThan(text.path("score").asDouble());
      assertThat(only.get("source").path("drifted").asBoolean()).as("%s only: source drifted", source).isTrue();
      assertThat(t.path("outOfVocabularyRate").asDouble()).isBetween(0.05, 0.9);
    }
  }
}
