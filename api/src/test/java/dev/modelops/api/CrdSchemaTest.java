package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What kubectl users expect of the committed CRDs. */
class CrdSchemaTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode crd(String plural) throws IOException {
    return YAML.readTree(Path.of("../crds", plural + ".modelops.dev.yaml").toFile());
  }

  private static JsonNode version(String plural) throws IOException {
    return crd(plural).path("spec").path("versions").get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"experiments", "modelversions", "driftpolicies"})
  void everyFieldHasADescriptionForKubectlExplain(String plural) throws IOException {
    List<String> undocumented = new ArrayList<>();
    collectUndocumented(version(plural).path("schema").path("openAPIV3Schema"), "", undocumented);
    assertThat(undocumented).as("fields without a description in %s", plural).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"experiments,exp", "modelversions,mv", "driftpolicies,dp"})
  void namesShortNamesAndCategory(String plural, String shortName) throws IOException {
    JsonNode names = crd(plural).path("spec").path("names");
    assertThat(names.path("shortNames").toString()).contains("\"" + shortName + "\"");
    assertThat(names.path("categories").toString()).contains("\"modelops\"");
    assertThat(crd(plural).path("spec").path("group").asText()).isEqualTo("modelops.dev");
    assertThat(version(plural).path("name").asText()).isEqualTo("v1alpha1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"experiments", "modelversions", "driftpolicies"})
  void statusSubresourceConditionsAndObservedGeneration(String plural) throws IOException {
    JsonNode v = version(plural);
    assertThat(v.path("subresources").has("status")).isTrue();
    JsonNode status = v.path("schema").path("openAPIV3Schema").path("properties").path("status").path("properties");
    assertThat(status.has("observedGeneration")).isTrue();
    JsonNode condition = status.path("conditions").path("items");
    assertThat(condition.path("properties").has("type") && condition.path("properties").has("status")
            && condition.path("properties").has("lastTransitionTime") && condition.path("properties").has("reason")
            && condition.path("properties").has("message"))
        .isTrue();
    assertThat(condition.path("required").toString()).contains("\"type\"", "\"status\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"experiments", "modelversions", "driftpolicies"})
  void printerColumnsEndWithAge(String plural) throws IOException {
    JsonNode columns = version(plural).path("additionalPrinterColumns");
    assertThat(columns.size()).isGreaterThanOrEqualTo(4);
    JsonNode age = columns.get(columns.size() - 1);
    assertThat(age.path("name").asText()).isEqualTo("Age");
    assertThat(age.path("jsonPath").asText()).isEqualTo(".metadata.creationTimestamp");
    assertThat(age.path("type").asText()).isEqualTo("date");
  }

  @Test
  void modelVersionScalesThroughServingReplicas() throws IOException {
    JsonNode scale = version("modelversions").path("subresources").path("scale");
    assertThat(scale.path("specReplicasPath").asText()).isEqualTo(".spec.serving.replicas");
    assertThat(scale.path("statusReplicasPath").asText()).isEqualTo(".status.replicas");
    assertThat(scale.path("labelSelectorPath").asText()).isEqualTo(".status.selector");
  }

  private static void collectUndocumented(JsonNode schema, String at, List<String> out) {
    schema.path("properties").fields().forEachRemaining(e -> {
      String p = at + "." + e.getKey();
      if (!e.getValue().hasNonNull("description")) {
        out.add(p);
      }
      collectUndocumented(e.getValue(), p, out);
      if (e.getValue().has("items")) {
        collectUndocumented(e.getValue().get("items"), p + "[]", out);
      }
    });
  }
}
