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
 * starts with a header saying how to apply it; each Experiment's data file is there with the
 * columns it names and its positive class; the examples of one use case refer to each other; each
 * invalid example says which error it must get. Whether the examples are valid is
 * {@link ExamplesOnApiServerIT}'s question, answered by a real kube-apiserver.
 */
class ExampleFilesTest {
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
    assertThat(kinds.stream().distinct().sorted()).containsExactly("DriftPolicy", "Experiment", "ModelVersion");
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
    assertThat(expected.field()).as(file.toString()).matches("(spec|metadata)(\\.[A-Za-z]+(\\[\\d+\\])?)*");
    assertThat(Examples.document(file).path("metadata").path("name").asText()).as(file.toString()).isNotEmpty();
  }

  /**
   * The trainer runs an example as `--experiment examples/x/experiment.yaml`, resolving a relative
   * dataset path against the file's folder: the file must be there, with every column the
   * Experiment names, and the positive class must occur in the label column.
   */
  @ParameterizedTest
  @MethodSource("validExamples")
  void experimentDataIsThereWithTheColumnsItNames(Path file) throws IOException {
    JsonNode doc = Examples.document(file);
    if (!doc.path("kind").asText().equals("Experiment")) {
      return;
    }
    JsonNode dataset = doc.path("spec").path("dataset");
    String uri = dataset.path("uri").asText();
    assertThat(uri).as("%s: examples use a relative dataset path", file).doesNotContain("://").doesNotStartWith("/");
    Path data = file.getParent().resolve(uri).normalize();
    assertThat(data).as(file.toString()).isRegularFile();

    List<String> named = new ArrayList<>();
    named.add(dataset.path("label").asText());
    for (String type : List.of("numeric", "categorical", "text")) {
      dataset.path("features").path(type).forEach(c -> named.add(c.asText()));
    }
    try (BufferedReader in = Files.newBufferedReader(data)) {
      List<String> header = csvFields(in.readLine());
      assertThat(header).as("columns of %s", data).containsAll(named);
      int label = header.indexOf(dataset.path("label").asText());
      String positive = dataset.path("positiveClass").asText();
      assertThat(in.lines().map(ExampleFilesTest::csvFields).anyMatch(r -> r.size() > label && r.get(label).equals(positive)))
          .as("%s: positiveClass %s occurs in column %s", file, positive, header.get(label))
          .isTrue();
    }
  }

  /** A DriftPolicy retrains an Experiment of the same model; a ModelVersion belongs to a model an Experiment trains. */
  @Test
  void examplesOfOneUseCaseReferToEachOther() throws IOException {
    Map<String, JsonNode> experiments = new TreeMap<>();
    List<JsonNode> others = new ArrayList<>();
    for (Path p : Examples.valid()) {
      for (JsonNode doc : Examples.documents(p)) {
        if (doc.path("kind").asText().equals("Experiment")) {
          experiments.put(doc.path("metadata").path("name").asText(), doc);
        } else {
          others.add(doc);
        }
      }
    }
    List<String> models = experiments.values().stream().map(e -> e.path("spec").path("model").asText()).toList();
    for (JsonNode doc : others) {
      String model = doc.path("spec").path("model").asText();
      assertThat(models).as("%s %s watches or serves a model an example Experiment trains", doc.path("kind").asText(), model)
          .contains(model);
      if (doc.path("kind").asText().equals("DriftPolicy")) {
        JsonNode template = experiments.get(doc.path("spec").path("retrain").path("experiment").asText());
        assertThat(template).as("retrain template of DriftPolicy for %s", model).isNotNull();
        assertThat(template.path("spec").path("model").asText()).isEqualTo(model);
      }
    }
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
