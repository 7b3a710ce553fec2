package dev.modelops.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule, rendered by helm, checked and unit-tested by promtool
 * ({@code src/test/resources/alerts/modelops-rules-test.yaml}): every alert fires on the series
 * the operator exports and stays quiet otherwise, with the annotations people read.
 */
class PrometheusRulesIT {
  static final Path TESTS = Path.of("src/test/resources/alerts/modelops-rules-test.yaml");

  static Path promtool() {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(d -> Path.of(d, "promtool"))
        .filter(Files::isExecutable).findFirst().orElse(null);
  }

  @BeforeAll
  static void tools() {
    if (System.getenv("MODELOPS_REQUIRE_HELM") == null) {
      assumeTrue(Files.isExecutable(HelmChartIT.HELM), "helm is not at " + HelmChartIT.HELM + "; build it with `bash tools/helm/helm-binary.sh`");
    }
    if (System.getenv("MODELOPS_REQUIRE_PROMETHEUS") == null) {
      assumeTrue(promtool() != null, "promtool is not on PATH (Debian's prometheus package ships it)");
    }
    assertThat(promtool()).as("promtool on PATH (MODELOPS_REQUIRE_PROMETHEUS is set)").isNotNull();
  }

  /** The rule groups of the PrometheusRule the chart renders, as a Prometheus rules file. */
  static JsonNode renderedGroups() throws Exception {
    JsonNode rule = HelmChartIT.kind(HelmChartIT.documents(HelmChartIT.helm("template", "modelops", "modelops",
        "--namespace", "modelops-system", "--set", "metrics.prometheusRule.enabled=true")), "PrometheusRule");
    ObjectNode file = HelmChartIT.YAML.createObjectNode();
    file.set("groups", rule.path("spec").path("groups"));
    return file;
  }

  @Test
  void everyAlertFiresOnlyWhenItShouldWithItsAnnotations(@TempDir Path dir) throws Exception {
    JsonNode groups = renderedGroups();
    HelmChartIT.YAML.writeValue(dir.resolve("rules.yaml").toFile(), groups);
    Files.copy(TESTS, dir.resolve("tests.yaml"));

    assertThat(promtool(dir, "check", "rules", "rules.yaml")).contains("SUCCESS");
    assertThat(promtool(dir, "test", "rules", "tests.yaml")).contains("SUCCESS");

    // Each alert has a test where it fires and one where it does not.
    Set<String> alerts = new HashSet<>(groups.findValuesAsText("alert"));
    assertThat(alerts).contains("ModelNotReady", "ModelDriftInAlertBand", "ModelLiveAccuracyInAlertBand", "ModelRetrainFailing",
        "ModelopsOperatorDown");
    JsonNode tests = HelmChartIT.YAML.readTree(TESTS.toFile());
    Set<String> fires = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (JsonNode t : tests.path("tests")) {
      for (JsonNode c : t.path("alert_rule_test")) {
        (c.path("exp_alerts").isEmpty() ? quiet : fires).add(c.path("alertname").asText());
      }
    }
    assertThat(fires).as("alerts with a test where they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a test where they do not fire").containsAll(alerts);
  }

  /** A rule on a series nobody exports would never fire: every modelops_ name is one the operator names as a meter. */
  @Test
  void theRulesReadOnlyMetricsTheOperatorExports() throws Exception {
    Set<String> used = new HashSet<>();
    Matcher m = Pattern.compile("modelops_[a-z_]+").matcher(String.join("\n", renderedGroups().findValuesAsText("expr")));
    while (m.find()) {
      used.add(m.group().replaceAll("_total$", ""));
    }
    String sources;
    try (Stream<Path> files = Files.walk(Path.of("../operator/src/main/java"))) {
      List<String> texts = new ArrayList<>();
      for (Path p : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        texts.add(Files.readString(p));
      }
      sources = String.join("\n", texts);
    }
    assertThat(used).isNotEmpty();
    assertThat(used.stream().filter(n -> !sources.contains("\"" + n + "\"")).collect(Collectors.toSet()))
        .as("metric names in the rules that the operator's code never names").isEmpty();
  }

  static String promtool(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(promtool().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool %s:\n%s", String.join(" ", args), out).isZero();
    return out;
  }
}
