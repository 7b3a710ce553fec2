package dev.modelops.api.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator itself: each kind of error in the API server's words, and what it refuses in a
 * CRD. The expected texts are what kube-apiserver 1.33.4 answered `kubectl apply --dry-run=server`
 * for the same resources.
 */
class CrdSchemaValidatorTest {
  static CrdSchemaValidator modelops;

  @BeforeAll
  static void load() throws IOException {
    modelops = CrdSchemaValidator.fromFolder(Path.of("../crds"));
  }

  private static final String VERSION =
      """
      apiVersion: modelops.dev/v1alpha1
      kind: ModelVersion
      metadata:
        name: churn-v1
      spec:
        model: churn
        version: 1
        artifact:
          uri: pvc://modelops-artifacts/default/churn/t0
      """;

  private static List<String> errorsOf(String yaml) {
    return modelops.validate(CrdSchemaValidator.parse(yaml));
  }

  @Test
  void aValidResourceHasNoErrors() {
    assertThat(errorsOf(VERSION)).isEmpty();
  }

  @Test
  void requiredEnumTypeAndLengthErrorsBlockTheCelRulesWithTheApiServersNote() {
    assertThat(errorsOf(VERSION.replace("  version: 1\n", "")))
        .containsExactly("spec.version: Required value", CrdSchemaValidator.RULES_NOT_CHECKED);
    assertThat(errorsOf(VERSION + "  stage: Live\n"))
        .containsExactly(
            "spec.stage: Unsupported value: \"Live\": supported values: \"Archived\", \"None\","
                + " \"Production\", \"Staging\"",
            CrdSchemaValidator.RULES_NOT_CHECKED);
    assertThat(errorsOf(VERSION.replace("version: 1", "version: one")))
        .containsExactly(
            "spec.version: Invalid value: \"string\": spec.version in body must be of type integer: \"string\"",
            CrdSchemaValidator.RULES_NOT_CHECKED);
    assertThat(errorsOf(VERSION.replace("model: churn", "model: " + "c".repeat(41))))
        .containsExactly("spec.model: Too long: may not be more than 40 bytes", CrdSchemaValidator.RULES_NOT_CHECKED);
  }

  @Test
  void patternAndBoundErrorsDoNotBlockTheCelRules() {
    String experiment =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: Experiment
        metadata:
          name: churn
        spec:
          model: churn
          dataset:
            uri: ftp://example.org/churn.csv
            label: churn
            positiveClass: "Yes"
            validationSplit: 1.0
            features:
              numeric: [tenure]
          search:
            maxTrials: 2
            parallelTrials: 3
          objective:
            metric: roc_auc
        """;
    assertThat(errorsOf(experiment))
        .containsExactlyInAnyOrder(
            "spec.dataset.uri: Invalid value: \"ftp://example.org/churn.csv\": spec.dataset.uri in body"
                + " should match '^((file|https?)://\\S+|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/\\S+|s3://[a-z0-9][-a-z0-9.]*/\\S+|[^:\\s]+)$'",
            "spec.dataset.validationSplit: Invalid value: 1: spec.dataset.validationSplit in body"
                + " should be less than 1",
            "spec.search.parallelTrials: Invalid value: \"object\": parallelTrials must not exceed maxTrials");
  }

  @Test
  void unknownFieldsAreReportedAloneAsStrictFieldValidationDoes() {
    assertThat(errorsOf(VERSION + "  stage: Live\n  replicas: 2\n"))
        .containsExactly("spec.replicas: unknown field \"spec.replicas\"");
    assertThat(errorsOf(VERSION.replace("  name: churn-v1", "  name: churn-v1\n  lables: {a: b}")))
        .containsExactly("metadata.lables: unknown field \"metadata.lables\"");
  }

  @Test
  void apiVersionKindAndNameAreChecked() {
    assertThat(errorsOf(VERSION.replace("v1alpha1", "v1")))
        .containsExactly("apiVersion: Unsupported value: \"modelops.dev/v1\": supported values: \"modelops.dev/v1alpha1\"");
    assertThat(errorsOf(VERSION.replace("kind: ModelVersion", "kind: Model")))
        .singleElement().asString().startsWith("kind: Unsupported value: \"Model\"");
    assertThat(errorsOf(VERSION.replace("name: churn-v1", "name: Churn_V1")))
        .singleElement().asString().startsWith("metadata.name: Invalid value: \"Churn_V1\": a lowercase RFC 1123 subdomain");
    assertThat(errorsOf(VERSION.replace("  name: churn-v1\n", "  labels: {a: b}\n")))
        .containsExactly("metadata.name: Required value: name or generateName is required");
  }

  @Test
  void defaultsAreAppliedBeforeTheRules() {
    // goal defaults to maximize, which a log_loss objective must not have.
    String experiment =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: Experiment
        metadata:
          name: churn
        spec:
          model: churn
          dataset: {uri: a.csv, label: churn, positiveClass: "Yes", features: {numeric: [tenure]}}
          search: {maxTrials: 2}
          objective: {metric: log_loss}
        """;
    assertThat(errorsOf(experiment))
        .containsExactly("spec.objective.goal: Invalid value: \"object\": log_loss is a loss: set goal to minimize");
    // parallelTrials defaults to 1, so maxTrials 1 alone is fine.
    assertThat(errorsOf(experiment.replace("log_loss", "f1").replace("maxTrials: 2", "maxTrials: 1"))).isEmpty();
  }

  @Test
  void numbersAreDoublesInRulesEvenWhenWrittenAsIntegers() {
    // min: 1 on a `number` field is 1.0 to CEL, as in the API server; the rule compares it with 0.0.
    String experiment =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: Experiment
        metadata:
          name: churn
        spec:
          model: churn
          dataset: {uri: a.csv, label: churn, positiveClass: "Yes", features: {numeric: [tenure]}}
          search:
            maxTrials: 2
            parameters: [{name: eta, type: double, min: 1, max: 2, logScale: true}]
          objective: {metric: f1}
        """;
    assertThat(errorsOf(experiment)).isEmpty();
    assertThat(errorsOf(experiment.replace("min: 1,", "min: 0,")))
        .containsExactly("spec.search.parameters[0].logScale: Invalid value: \"object\": logScale needs min greater than 0");
  }

  @Test
  void transitionRulesAreSkippedWithoutAnOldObject() {
    // ModelVersion's immutability rules compare with oldSelf; a create has no old object.
    assertThat(errorsOf(VERSION.replace("version: 1", "version: 7"))).isEmpty();
  }

  @Test
  void yamlIsReadAsKubectlReadsIt(@TempDir Path tmp) throws IOException {
    // YAML 1.1: an unquoted Yes is a boolean.
    assertThat(CrdSchemaValidator.parse("positiveClass: Yes").get("positiveClass").isBoolean()).isTrue();
    Path twoDocs = Files.writeString(tmp.resolve("two.yaml"), VERSION + "---\n" + VERSION);
    assertThat(CrdSchemaValidator.readAll(twoDocs)).hasSize(2);
    assertThatThrownBy(() -> CrdSchemaValidator.read(twoDocs)).hasMessageContaining("2 documents");
    Path duplicate = Files.writeString(tmp.resolve("dup.yaml"), "spec:\n  model: a\n  model: b\n");
    assertThatThrownBy(() -> CrdSchemaValidator.read(duplicate)).hasMessageContaining("Duplicate field 'model'");
  }

  /** A one-property CRD whose spec has the given schema body (indented for spec's properties). */
  private static CrdSchemaValidator crdWithSpec(String specSchema) {
    String crd =
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: things.example.dev}
        spec:
          group: example.dev
          names: {kind: Thing, plural: things}
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
        """
            + specSchema.indent(16);
    return CrdSchemaValidator.of(List.of(CrdSchemaValidator.parse(crd)));
  }

  @Test
  void aRuleReadingAFieldThatADefaultLacksIsRefusedAsTheApiServerRefusesIt() {
    // The API server checks a default ({}) against its object's rules as written, without the
    // nested defaults: this rule needs has() guards (the bug two modelops rules once had).
    CrdSchemaValidator v =
        crdWithSpec(
            """
            type: object
            default: {}
            properties:
              low: {type: integer, default: 1, description: d}
              high: {type: integer, default: 2, description: d}
            x-kubernetes-validations:
              - rule: self.low <= self.high
                message: low must not exceed high
            """);
    assertThat(v.crdProblems())
        .singleElement().asString()
        .startsWith("Thing spec.default: Invalid value: \"object\": no such key: low evaluating rule");

    CrdSchemaValidator guarded =
        crdWithSpec(
            """
            type: object
            default: {}
            properties:
              low: {type: integer, default: 1, description: d}
              high: {type: integer, default: 2, description: d}
            x-kubernetes-validations:
              - rule: "!has(self.low) || !has(self.high) || self.low <= self.high"
            """);
    assertThat(guarded.crdProblems()).isEmpty();
  }

  @Test
  void rulesAreTypeCheckedAgainstTheSchema() {
    CrdSchemaValidator v =
        crdWithSpec(
            """
            type: object
            properties:
              maxTrials: {type: integer}
              name: {type: string}
            x-kubernetes-validations:
              - rule: self.maxTrial > 0
              - rule: self.name > 3
              - rule: self.maxTrials
              - rule: has(self.name)
                fieldPath: .nmae
            """);
    assertThat(v.crdProblems())
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).contains("self.maxTrial > 0").contains("undefined field 'maxTrial'"))
        .anySatisfy(p -> assertThat(p).contains("self.name > 3").contains("found no matching overload"))
        .anySatisfy(p -> assertThat(p).contains("must evaluate to a bool, not int"))
        .anySatisfy(p -> assertThat(p).contains("fieldPath .nmae names no field declared"));
  }

  @Test
  void aDefaultThatBreaksItsOwnSchemaIsRefused() {
    CrdSchemaValidator v =
        crdWithSpec(
            """
            type: object
            properties:
              interval: {type: string, pattern: '^[0-9]+m$', default: 5 minutes}
              mode: {type: string, enum: [a, b], default: c}
            """);
    assertThat(v.crdProblems())
        .hasSize(2)
        .anySatisfy(p -> assertThat(p).startsWith("Thing spec.interval.default: Invalid value: \"5 minutes\""))
        .anySatisfy(p -> assertThat(p).startsWith("Thing spec.mode.default: Unsupported value: \"c\""));
  }

  @Test
  void resourcesOfAnInlineCrdAreValidatedToo() {
    CrdSchemaValidator v =
        crdWithSpec(
            """
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
            """);
    JsonNode thing = CrdSchemaValidator.parse("{apiVersion: example.dev/v1, kind: Thing, metadata: {name: t}, spec: {size: 0}}");
    assertThat(v.validate(thing))
        .containsExactly("spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1");
  }
}
