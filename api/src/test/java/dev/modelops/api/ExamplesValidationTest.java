package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelops.api.schema.CrdSchemaValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every resource in examples/ is accepted by the committed CRD schemas, and every resource in
 * examples/invalid/ is rejected with an error naming the field its "# expect:" comment names.
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
    return Files.walk(EXAMPLES)
        .filter(p -> p.toString().endsWith(".yaml"))
        .filter(p -> !p.startsWith(INVALID))
        .sorted();
  }

  static Stream<Path> invalidExamples() throws IOException {
    return Files.list(INVALID).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @Test
  void thereAreExamplesOfEveryKindAndEnoughInvalidOnes() throws IOException {
    List<String> kinds =
        validExamples().map(ExamplesValidationTest::kindOf).distinct().sorted().toList();
    assertThat(kinds).containsExactly("DriftPolicy", "Experiment", "ModelVersion");
    assertThat(invalidExamples().count()).isGreaterThanOrEqualTo(10);
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void exampleIsAccepted(Path file) throws IOException {
    assertThat(validator.validate(CrdSchemaValidator.read(file))).as(file.toString()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleIsRejectedNamingTheField(Path file) throws IOException {
    String text = Files.readString(file);
    Matcher m = EXPECT.matcher(text);
    assertThat(m.find()).as("%s needs a '# expect: <field>: <message>' line", file).isTrue();
    String field = m.group(1).trim();
    String message = m.group(2).trim();

    List<String> errors = validator.validate(CrdSchemaValidator.read(file));

    assertThat(errors).as(file.toString()).isNotEmpty();
    assertThat(errors).as("%s: an error must name %s", file, field).anyMatch(e -> e.startsWith(field + ":"));
    assertThat(errors).as("%s: an error must say '%s'", file, message).anyMatch(e -> e.contains(message));
  }

  @Test
  void changingOneFieldOfAValidExampleIsCaught() throws IOException {
    JsonNode experiment = CrdSchemaValidator.read(EXAMPLES.resolve("churn/experiment.yaml"));
    assertThat(validator.validate(experiment)).isEmpty();

    ObjectNode search = (ObjectNode) experiment.path("spec").path("search");
    search.put("parallelTrials", 9);

    assertThat(validator.validate(experiment))
        .containsExactly(
            "spec.search.parallelTrials: Invalid value: \"object\": parallelTrials must not exceed maxTrials");
  }

  @Test
  void defaultsAreAppliedBeforeRulesAsTheApiServerDoes() throws IOException {
    // objective.goal defaults to maximize, so log_loss without a goal must be rejected.
    JsonNode experiment = CrdSchemaValidator.read(EXAMPLES.resolve("churn/experiment.yaml"));
    ObjectNode objective = (ObjectNode) experiment.path("spec").path("objective");
    objective.put("metric", "log_loss");
    objective.remove("goal");

    assertThat(validator.validate(experiment))
        .anyMatch(e -> e.startsWith("spec.objective.goal:") && e.contains("set goal to minimize"));
  }

  private static String kindOf(Path p) {
    try {
      return CrdSchemaValidator.read(p).path("kind").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
