package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.operator.drift.PolicyMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts reach people: the operator's policy metrics (its own PolicyMetrics, served as its
 * /metrics serves them) are scraped by a real Prometheus evaluating the chart's PrometheusRule
 * (rendered by helm, with every {@code for:} set to 0s), which sends to a real Alertmanager
 * configured by the chart's example (helm/alerting/alertmanager.yml, its SMTP server replaced by
 * a GreenMail server on loopback). The emails arrive, one per alert, naming the model, the check,
 * the value and the band; a policy under its bands sends none.
 */
class AlertEmailIT {
  static final Path HELM = Path.of(System.getenv().getOrDefault("HELM_BINARY", System.getProperty("user.home") + "/.cache/modelops/helm/v3.17.3/helm"));
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  @Test
  void aCheckInItsAlertBandArrivesByEmailNamingModelCheckValueAndBand() throws Exception {
    requireTools();
    // The operator's series: churn's contract drift 0.62 over its alert band 0.5, churn's live
    // accuracy 0.61 under its alert band 0.65, fraud's drift 0.3 under its band.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PolicyMetrics metrics = new PolicyMetrics(registry);
    publish(metrics, "churn-drift", "churn", DriftPolicySpec.CheckMetric.featureDrift, "contract", 0.5, 0.62);
    publish(metrics, "churn-accuracy", "churn", DriftPolicySpec.CheckMetric.liveAccuracy, null, 0.65, 0.61);
    publish(metrics, "fraud-drift", "fraud", DriftPolicySpec.CheckMetric.featureDrift, "amount", 0.5, 0.3);
    HttpServer operator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    operator.createContext("/metrics", ex -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    operator.start();

    GreenMail smtp = new GreenMail(new ServerSetup(ModelServerProcess.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    try {
      ObjectNode am = (ObjectNode) YAML.readTree(Path.of("../helm/alerting/alertmanager.yml").toFile());
      ((ObjectNode) am.path("global")).put("smtp_smarthost", "127.0.0.1:" + smtp.getSmtp().getPort()).put("smtp_require_tls", false);
      ((ObjectNode) am.path("route")).put("group_wait", "1s");
      Path amConfig = tmp.resolve("alertmanager.yml");
      YAML.writeValue(amConfig.toFile(), am);

      JsonNode rule = YAML.readTree(helm("template", "modelops", "../helm/modelops", "--namespace", "modelops-system",
          "--set", "metrics.prometheusRule.enabled=true", "--show-only", "templates/prometheusrule.yaml",
          "--set", "metrics.prometheusRule.driftFor=0s,metrics.prometheusRule.accuracyFor=0s,metrics.prometheusRule.notReadyFor=0s"));
      ObjectNode rules = YAML.createObjectNode();
      rules.set("groups", rule.path("spec").path("groups"));
      YAML.writeValue(tmp.resolve("rules.yaml").toFile(), rules);

      try (PrometheusProcess alertmanager = PrometheusProcess.alertmanager(tmp, amConfig)) {
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yaml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['%s']
            scrape_configs:
              - job_name: modelops-metrics
                honor_labels: true
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """.formatted(alertmanager.url.substring("http://".length()), operator.getAddress().getPort()));
        try (PrometheusProcess prometheus = PrometheusProcess.start(tmp, config)) {
          assertThat(smtp.waitForIncomingEmail(TimeUnit.SECONDS.toMillis(90), 2)).as("two emails within 90 s").isTrue();
          Thread.sleep(3000); // a third (fraud's) would come within group_wait
          List<String> emails = new ArrayList<>();
          for (MimeMessage m : smtp.getReceivedMessages()) {
            assertThat(m.getAllRecipients()[0].toString()).isEqualTo("ml-oncall@example.com");
            emails.add(m.getSubject() + "\n" + text(m));
          }
          assertThat(emails).hasSize(2);
          assertThat(emails).anySatisfy(e -> assertThat(e)
              .contains("[FIRING] ModelDriftInAlertBand for model churn (critical)")
              .contains("Model churn: featureDrift of contract is 0.62, in the alert band (>= 0.5)")
              .contains("model: churn, namespace: team-a, check: featureDrift (contract), severity: critical")
              .contains("DriftPolicy: churn-drift"));
          assertThat(emails).anySatisfy(e -> assertThat(e)
              .contains("[FIRING] ModelLiveAccuracyInAlertBand for model churn (critical)")
              .contains("Model churn: liveAccuracy is 0.61, in the alert band (<= 0.65)")
              .contains("check: liveAccuracy"));
          assertThat(emails).noneMatch(e -> e.contains("fraud"));
        }
      }
    } finally {
      smtp.stop();
      operator.stop(0);
    }
  }

  static void publish(PolicyMetrics metrics, String policy, String model, DriftPolicySpec.CheckMetric metric, String feature, double alert,
      double value) {
    DriftPolicySpec.Check check = new DriftPolicySpec.Check();
    check.setMetric(metric);
    check.setFeature(feature);
    check.setAlert(alert);
    metrics.bands("team-a", policy, model, check);
    metrics.check("team-a", policy, metric.name(), feature, value);
  }

  /** The decoded text of a message or part. */
  static String text(Part part) throws Exception {
    Object content = part.getContent();
    if (content instanceof Multipart multipart) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < multipart.getCount(); i++) {
        out.append(text(multipart.getBodyPart(i)));
      }
      return out.toString();
    }
    return String.valueOf(content);
  }

  static String helm(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(HELM.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("helm %s:\n%s", String.join(" ", args), out).isZero();
    return out;
  }

  static void requireTools() {
    if (System.getenv("MODELOPS_REQUIRE_HELM") == null) {
      assumeTrue(Files.isExecutable(HELM), "helm is not at " + HELM + "; build it with `bash tools/helm/helm-binary.sh`");
    }
    if (System.getenv("MODELOPS_REQUIRE_PROMETHEUS") == null) {
      assumeTrue(PrometheusProcess.available(), "Prometheus is not installed at " + PrometheusProcess.BINARY + " (apt-get install prometheus)");
    }
    if (System.getenv("MODELOPS_REQUIRE_ALERTMANAGER") == null) {
      assumeTrue(PrometheusProcess.alertmanagerAvailable(),
          "Alertmanager is not installed at " + PrometheusProcess.ALERTMANAGER + " (apt-get install prometheus-alertmanager)");
    }
  }
}
