package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRDs in crds/ must be exactly what the Java types generate. The Fabric8 generator
 * writes to target/classes/META-INF/fabric8; this test puts the printer columns back in the order
 * they are declared (the generator sorts them by JSON path, which would show Age first in kubectl)
 * and compares. Run with -Dcrds.update=true to rewrite crds/ after changing a type.
 */
@Order(1)
class CrdsUpToDateTest {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());

  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  static final Path COMMITTED = Path.of("../crds");
  /** Helm installs the CRDs of a chart's crds/ folder; it cannot reach files outside the chart. */
  static final Path CHART = Path.of("../helm/modelops/crds");

  @ParameterizedTest
  @ValueSource(strings = {"experiments", "modelversions", "driftpolicies"})
  void committedCrdMatchesGenerated(String plural) throws IOException {
    String expected = render(plural);
    Path committed = COMMITTED.resolve(plural + ".modelops.dev.yaml");
    Path chart = CHART.resolve(plural + ".modelops.dev.yaml");
    if (Boolean.getBoolean("crds.update")) {
      Files.createDirectories(COMMITTED);
      Files.writeString(committed, expected);
      Files.createDirectories(CHART);
      Files.writeString(chart, expected);
    }
    assertThat(chart).as("the chart's copy %s; run `./mvnw -pl api test -Dcrds.update=true`", chart).exists();
    assertThat(Files.readString(chart)).as("the chart's copy %s differs from crds/; run `./mvnw -pl api test -Dcrds.update=true`", chart)
        .isEqualTo(expected);
    assertThat(committed)
        .as(
            "%s differs from what the Java types generate; run"
                + " `./mvnw -pl api test -Dcrds.update=true` and commit crds/",
            committed)
        .exists();
    assertThat(Files.readString(committed))
        .as(
            "%s differs from what the Java types generate; run"
                + " `./mvnw -pl api test -Dcrds.update=true` and commit crds/",
            committed)
        .isEqualTo(expected);
  }

  static String render(String plural) throws IOException {
    Path generated = GENERATED.resolve(plural + ".modelops.dev-v1.yml");
    ObjectNode crd = (ObjectNode) YAML.readTree(generated.toFile());
    Class<? extends CustomResource<?, ?>> type = typeOf(plural);
    List<String> declared =
        Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    for (JsonNode version : crd.path("spec").path("versions")) {
      JsonNode columns = version.get("additionalPrinterColumns");
      if (columns == null) {
        continue;
      }
      List<JsonNode> sorted = new ArrayList<>();
      columns.forEach(sorted::add);
      sorted.sort((a, b) -> declared.indexOf(a.get("name").asText()) - declared.indexOf(b.get("name").asText()));
      ArrayNode reordered = YAML.createArrayNode();
      sorted.forEach(reordered::add);
      ((ObjectNode) version).set("additionalPrinterColumns", reordered);
    }
    if (type == Experiment.class) {
      // The same column twice in one feature list would be two features of one column. The API
      // server refuses duplicates in a set-typed list itself ("Duplicate value"), at no CEL cost;
      // the generator has no annotation for the list type, so it is set here.
      for (JsonNode version : crd.path("spec").path("versions")) {
        JsonNode features = version.at("/schema/openAPIV3Schema/properties/spec/properties/dataset/properties/features/properties");
        for (String list : List.of("numeric", "categorical", "text")) {
          ((ObjectNode) features.get(list)).put("x-kubernetes-list-type", "set");
        }
      }
    }
    return "# Generated from the Java types in api/ (Fabric8 CRD generator). Do not edit:\n"
        + "# change the types and run ./mvnw -pl api test -Dcrds.update=true\n"
        + YAML.writeValueAsString(crd);
  }

  private static Class<? extends CustomResource<?, ?>> typeOf(String plural) {
    return switch (plural) {
      case "experiments" -> Experiment.class;
      case "modelversions" -> ModelVersion.class;
      case "driftpolicies" -> DriftPolicy.class;
      default -> throw new IllegalArgumentException(plural);
    };
  }
}
