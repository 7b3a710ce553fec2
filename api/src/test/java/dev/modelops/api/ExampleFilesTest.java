package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the API server cannot check about the examples, because it is not in any schema: each
 * starts with a header saying how to apply it; each Experiment's data file (and each DriftPolicy's
 * retraining data) is there with the columns it names and its positive class; the examples of one
 * use case refer to each other and to claims examples/cluster makes; each invalid example says
 * which error it must get. Whether the examples are valid is
 * {@link ExamplesOnApiServerIT}'s question, answered by a real kube-apiserver.
 */
class ExampleFilesTest {
  /** Where the examples' data is: claim "data", holding the files of examples/data. */
  private static final String DATA_CLAIM = "pvc://data/";

  static Stream<Path> validExamples() throws IOException {
    return Examples.valid().stream();
  }

  static Stream<Path> invalidExamples() throws IOException {
    return Examples.invalid().stream();
  }

  @Test
  void thereAreExamplesOfEveryKindAndEnoughInvalidOnes() throws IOException {
    List<String> kinds = new ArrayList<>();
    for (Path p : Examples.valid()) {
      Examples.documents(p).forEach(doc -> kinds.add(doc.path("kind").asText()));
    }
    // Beside the three kinds, the claims the examples read and write (examples/cluster).
    assertThat(kinds.stream().distinct().sorted()).containsExactly("DriftPolicy", "Experiment", "ModelVersion", "PersistentVolumeClaim");
    assertThat(Examples.invalid()).hasSizeGreaterThanOrEqualTo(12);
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void exampleStartsWithAHeaderSayingHowToApplyIt(Path file) throws IOException {
    String text = Files.readString(file);
    assertThat(text).as(file.toString()).startsWith("# ").contains("kubectl apply -f examples/");
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleSaysWhichErrorItMustGet(Path file) throws IOException {
    Examples.Expectation expected = Examples.expectation(file);
    // "<nil>": a rule on the whole resource, which the API server reports without a field path.
    assertThat(expected.field()).as(file.toString()).matches("(spec|metadata)(\\.[A-Za-z][A-Za-z0-9]*(\\[\\d+\\])?)*|<nil>");
    assertThat(Examples.document(file).path("metadata").path("name").asText()).as(file.toString()).isNotEmpty();
  }

  /**
   * The examples read their data as on a cluster, from claim "data" ({@code pvc://data/<file>}),
   * which holds the files of examples/data (examples/cluster/storage.yaml); the trainer run locally
   * with MODELOPS_PVC_ROOT=examples reads the same file. It must be there, with every column the
   * Experiment names, and the positive class must occur in the label column; likewise the data a
   * DriftPolicy retrains its Experiment on.
   */
  @ParameterizedTest
  @MethodSource("validExamples")
  void experimentDataIsThereWithTheColumnsItNames(Path file) throws IOException {
    for (JsonNode doc : Examples.documents(file)) {
      switch (doc.path("kind").asText()) {
        case "Experiment" -> assertDataFits(file, doc.path("spec").path("dataset").path("uri").asText(), doc.path("spec").path("dataset"));
        case "DriftPolicy" -> {
          JsonNode retrain = doc.path("spec").path("retrain");
          JsonNode template = experimentsBeside(file).get(retrain.path("experiment").asText());
          if (retrain.has("datasetUri") && template != null) {
            assertDataFits(file, retrain.path("datasetUri").asText(), template.path("spec").path("dataset"));
          }
        }
        default -> { }
      }
    }
  }

  /** The file {@code uri} names is in examples/data, with the columns and positive class (if any) of {@code dataset}. */
  private static void assertDataFits(Path file, String uri, JsonNode dataset) throws IOException {
    assertThat(uri).as("%s: examples read their data from claim data, pvc://data/<file> (examples/data)", file).startsWith(DATA_CLAIM);
    Path data = Examples.FOLDER.resolve("data").resolve(uri.substring(DATA_CLAIM.length())).normalize();
    assertThat(data).as("%s: %s", file, uri).isRegularFile();

    List<String> named = new ArrayList<>();
    named.add(dataset.path("label").asText());
    for (String type : List.of("numeric", "categorical", "text")) {
      dataset.path("features").path(type).forEach(c -> named.add(c.asText()));
    }
    try (BufferedReader in = Files.newBufferedReader(data)) {
      List<String> header = csvFields(in.readLine());
      assertThat(header).as("columns of %s", data).containsAll(named);
      int label = header.indexOf(dataset.path("label").asText());
      if (!dataset.has("positiveClass")) {
        return; // a regression or multi-class Experiment
      }
      String positive = dataset.path("positiveClass").asText();
      assertThat(in.lines().map(ExampleFilesTest::csvFields).anyMatch(r -> r.size() > label && r.get(label).equals(positive)))
          .as("%s: positiveClass %s occurs in column %s", file, positive, header.get(label))
          .isTrue();
    }
  }

  /** The Experiments of a file's folder by name: a use case's folder holds the Experiment its DriftPolicy retrains. */
  private static Map<String, JsonNode> experimentsBeside(Path file) throws IOException {
    Map<String, JsonNode> experiments = new TreeMap<>();
    for (Path p : Examples.valid()) {
      if (p.getParent().equals(file.getParent())) {
        for (JsonNode doc : Examples.documents(p)) {
          if (doc.path("kind").asText().equals("Experiment")) {
            experiments.put(doc.path("metadata").path("name").asText(), doc);
          }
        }
      }
    }
    return experiments;
  }

  /**
   * A DriftPolicy retrains an Experiment of the same model, in its folder; a ModelVersion belongs
   * to a model an Experiment trains.
   */
  @Test
  void examplesOfOneUseCaseReferToEachOther() throws IOException {
    List<String> models = new ArrayList<>();
    for (Path p : Examples.valid()) {
      experimentsBeside(p).values().forEach(e -> models.add(e.path("spec").path("model").asText()));
    }
    for (Path p : Examples.valid()) {
      for (JsonNode doc : Examples.documents(p)) {
        String kind = doc.path("kind").asText();
        if (!kind.equals("DriftPolicy") && !kind.equals("ModelVersion")) {
          continue;
        }
        String model = doc.path("spec").path("model").asText();
        assertThat(models).as("%s: %s %s watches or serves a model an example Experiment trains", p, kind, model).contains(model);
        if (kind.equals("DriftPolicy")) {
          JsonNode template = experimentsBeside(p).get(doc.path("spec").path("retrain").path("experiment").asText());
          assertThat(template).as("%s: retrain template of DriftPolicy for %s", p, model).isNotNull();
          assertThat(template.path("spec").path("model").asText()).isEqualTo(model);
        }
      }
    }
  }

  /** Every claim an example names in a pvc:// location is one that examples/cluster makes. */
  @Test
  void everyClaimTheExamplesNameIsOneExamplesClusterMakes() throws IOException {
    List<String> made = new ArrayList<>();
    List<String> named = new ArrayList<>();
    for (Path p : Examples.valid()) {
      for (JsonNode doc : Examples.documents(p)) {
        if (doc.path("kind").asText().equals("PersistentVolumeClaim")) {
          made.add(doc.path("metadata").path("name").asText());
        } else {
          collectClaims(doc.path("spec"), named);
        }
      }
    }
    assertThat(named).as("the claims the examples name").contains("data");
    assertThat(made).as("the claims examples/cluster makes").containsAll(named);
  }

  private static void collectClaims(JsonNode node, List<String> claims) {
    if (node.isTextual() && node.asText().startsWith("pvc://")) {
      claims.add(node.asText().substring("pvc://".length()).split("/", 2)[0]);
    }
    node.forEach(child -> collectClaims(child, claims));
  }

  /** Splits one CSV line (RFC 4180 quotes; the examples' data has no newlines inside fields). */
  static List<String> csvFields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
