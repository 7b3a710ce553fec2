package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelops.api.schema.CrdSchemaValidator;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every resource in examples/ (outside examples/invalid/) is accepted by the committed CRD schemas,
 * and every file in examples/invalid/ is rejected with exactly one error, which names the field and
 * says what its "# expect: <field>: <message>" line says. The examples also agree with each other
 * and with their data: what a user applies together fits together.
 */
class ExamplesValidationTest {
  static final Path EXAMPLES = Path.of("../examples");
  static final Path INVALID = EXAMPLES.resolve("invalid");
  private static final Pattern EXPECT = Pattern.compile("^# expect: ([^:]+): (.+)$", Pattern.MULTILINE);

  static CrdSchemaValidator validator;

  @BeforeAll
  static void load() throws IOException {
    validator = CrdSchemaValidator.fromFolder(Path.of("../crds"));
  }

  static Stream<Path> validExamples() throws IOException {
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.startsWith(INVALID))
          .sorted()
          .toList()
          .stream();
    }
  }

  static Stream<Path> invalidExamples() throws IOException {
    try (Stream<Path> files = Files.list(INVALID)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @Test
  void thereAreExamplesOfEveryKindAndEnoughInvalidOnes() throws IOException {
    List<String> kinds = new ArrayList<>();
    for (Path p : validExamples().toList()) {
      CrdSchemaValidator.readAll(p).forEach(doc -> kinds.add(doc.path("kind").asText()));
    }
    assertThat(kinds.stream().distinct().sorted()).containsExactly("DriftPolicy", "Experiment", "ModelVersion");
    assertThat(invalidExamples().count()).isGreaterThanOrEqualTo(12);
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void exampleIsAccepted(Path file) throws IOException {
    List<JsonNode> docs = CrdSchemaValidator.readAll(file);
    assertThat(docs).as(file.toString()).isNotEmpty();
    for (JsonNode doc : docs) {
      assertThat(validator.validate(doc)).as(file.toString()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void exampleStartsWithAHeaderSayingHowToApplyIt(Path file) throws IOException {
    String text = Files.readString(file);
    assertThat(text).as(file.toString()).startsWith("# ").contains("kubectl apply -f examples/");
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleIsRejectedWithExactlyTheErrorItExpects(Path file) throws IOException {
    Matcher m = EXPECT.matcher(Files.readString(file));
    assertThat(m.find()).as("%s needs a '# expect: <field>: <message>' line", file).isTrue();
    String field = m.group(1).trim();
    String message = m.group(2).trim();

    List<String> errors = new ArrayList<>(validator.validate(CrdSchemaValidator.read(file)));
    errors.remove(CrdSchemaValidator.RULES_NOT_CHECKED);

    // One mistake per file, so a file cannot pass on an error it was not written to show.
    assertThat(errors).as(file.toString()).singleElement().asString()
        .startsWith(field + ": ")
        .contains(message);
  }

  @Test
  void changingOneFieldOfAValidExampleIsCaught() throws IOException {
    JsonNode experiment = CrdSchemaValidator.read(EXAMPLES.resolve("churn/experiment.yaml"));
    assertThat(validator.validate(experiment)).isEmpty();

    ((ObjectNode) experiment.path("spec").path("search")).put("parallelTrials", 9);

    assertThat(validator.validate(experiment))
        .containsExactly(
            "spec.search.parallelTrials: Invalid value: \"object\": parallelTrials must not exceed maxTrials");
  }

  @Test
  void aTypoInAValidExampleIsCaught() throws IOException {
    JsonNode policy = CrdSchemaValidator.read(EXAMPLES.resolve("churn/drift-policy.yaml"));
    ObjectNode retrain = (ObjectNode) policy.path("spec").path("retrain");
    retrain.set("coolDown", retrain.remove("cooldown"));

    assertThat(validator.validate(policy))
        .containsExactly("spec.retrain.coolDown: unknown field \"spec.retrain.coolDown\"");
  }

  @Test
  void defaultsAreAppliedBeforeRulesAsTheApiServerDoes() throws IOException {
    // objective.goal defaults to maximize, so log_loss without a goal must be rejected.
    JsonNode experiment = CrdSchemaValidator.read(EXAMPLES.resolve("churn/experiment.yaml"));
    ObjectNode objective = (ObjectNode) experiment.path("spec").path("objective");
    objective.put("metric", "log_loss");
    objective.remove("goal");

    assertThat(validator.validate(experiment))
        .containsExactly("spec.objective.goal: Invalid value: \"object\": log_loss is a loss: set goal to minimize");
  }

  /**
   * The trainer runs an example as `--experiment examples/x/experiment.yaml`, resolving a relative
   * dataset path against the file's folder: the file must be there, with every column the
   * Experiment names, and the positive class must occur in the label column.
   */
  @ParameterizedTest
  @MethodSource("validExamples")
  void experimentDataIsThereWithTheColumnsItNames(Path file) throws IOException {
    JsonNode doc = CrdSchemaValidator.read(file);
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
      assertThat(in.lines().map(ExamplesValidationTest::csvFields).anyMatch(r -> r.size() > label && r.get(label).equals(positive)))
          .as("%s: positiveClass %s occurs in column %s", file, positive, header.get(label))
          .isTrue();
    }
  }

  /** A DriftPolicy retrains an Experiment of the same model; a ModelVersion belongs to a model an Experiment trains. */
  @Test
  void examplesOfOneUseCaseReferToEachOther() throws IOException {
    Map<String, JsonNode> experiments = new TreeMap<>();
    List<JsonNode> others = new ArrayList<>();
    for (Path p : validExamples().toList()) {
      for (JsonNode doc : CrdSchemaValidator.readAll(p)) {
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
