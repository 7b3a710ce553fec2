package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import lombok.Data;

/**
 * The desired behaviour of a DriftPolicy. Each check has bands: below warn nothing happens; from
 * warn the policy reports Warning; from retrain it starts a retraining Experiment; from alert it
 * reports Alerting, because the model needs people, not another retrain.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
// A retrain band with nothing to re-run would reach its band and do nothing.
@ValidationRule(
    value = "has(self.retrain) || !self.checks.exists(c, has(c.retrain) || has(c.retrainAfter))",
    message = "a check has a retrain band (retrain or retrainAfter): add a retrain section naming the Experiment to re-run",
    fieldPath = ".retrain")
// With an interval of 0 the checks would be evaluated in a busy loop against every replica.
@ValidationRule(
    value = "!has(self.interval) || self.interval.matches('[1-9]')",
    message = "interval must be more than 0, e.g. 5m",
    fieldPath = ".interval")
// The operator calls these URLs from inside the cluster: pointed at a node's metadata service they
// would fetch its cloud credentials. The same check runs again in the operator on the resolved
// addresses, where a name or another notation of the address is caught too.
@ValidationRule(
    value = "(has(self.allowLinkLocal) && self.allowLinkLocal) || !has(self.source) || !has(self.source.prometheusUrl)"
        + " || !self.source.prometheusUrl.matches('" + Patterns.LINK_LOCAL_URL + "')",
    messageExpression = "'prometheusUrl ' + self.source.prometheusUrl + ' " + DriftPolicySpec.LINK_LOCAL_MESSAGE + "'",
    fieldPath = ".source.prometheusUrl")
@ValidationRule(
    value = "(has(self.allowLinkLocal) && self.allowLinkLocal) || !has(self.alert) || !has(self.alert.webhook)"
        + " || !self.alert.webhook.matches('" + Patterns.LINK_LOCAL_URL + "')",
    messageExpression = "'webhook ' + self.alert.webhook + ' " + DriftPolicySpec.LINK_LOCAL_MESSAGE + "'",
    fieldPath = ".alert.webhook")
public class DriftPolicySpec {
  /** Why a link-local URL is refused and what to do; no apostrophes: it stands in a CEL string. */
  static final String LINK_LOCAL_MESSAGE =
      "is a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, metadata.google.internal,"
          + " 100.100.100.200, fd00:ec2::254), where the operator would reach the node metadata service and"
          + " its credentials: give the address of the receiver itself, or set spec.allowLinkLocal: true if"
          + " you mean it (the operator must allow it too: MODELOPS_ALLOW_LINK_LOCAL_URLS)";


  /** The check metrics whose values are fractions between 0 and 1 (a CEL list literal). */
  static final String FRACTION_METRICS =
      "['driftedFeatureShare', 'missingValueShare', 'textOutOfVocabulary', 'liveAccuracy']";

  static final String FRACTION_MESSAGE =
      "driftedFeatureShare, missingValueShare, textOutOfVocabulary and liveAccuracy are fractions:"
          + " bands must be between 0 and 1 (write 0.8, not 80)";

  @Required
  @Pattern(Patterns.MODEL_NAME)
  @Size(min = 1, max = 40)
  @JsonPropertyDescription("The model whose Production version this policy watches.")
  private String model;

  @Pattern(Patterns.DURATION)
  @Default("5m")
  @JsonPropertyDescription("How often the checks are evaluated, e.g. 5m or 1h.")
  private String interval;

  @Min(1)
  @Default("500")
  @JsonPropertyDescription(
      "A check with fewer observations than this reports InsufficientData and never triggers.")
  private Integer minSamples;

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription("The checks; the worst band over all checks decides the policy's state.")
  private List<Check> checks;

  @JsonPropertyDescription(
      "Optional, for small windows: a numeric or categorical feature then counts as drifted only when its"
          + " drift score is at or above its threshold and a two-sample significance test of the live counts"
          + " against the reference's (whose own sampling noise it accounts for) gives a p-value below this"
          + " level: chi-squared for categorical features and numeric features of at most 5 values,"
          + " Kolmogorov-Smirnov over the reference bins for other numeric features. E.g. 0.05; above 0, at most"
          + " 0.5. Text features are decided by their score alone. Unset: the score alone decides.")
  // A level of 0 would never find drift, and one above 0.5 calls chance drift more often than not.
  @ValidationRule(
      value = "self > 0.0 && self <= 0.5",
      // a messageExpression printing the value (string(double)) exceeds the API server's CEL cost budget
      message = "significanceLevel is a probability: give one above 0 and at most 0.5, e.g. 0.05 (not 5 for 5%),"
          + " or leave it out for no significance test")
  private Double significanceLevel;

  @JsonPropertyDescription("Where the drift counts are read from.")
  @Default("{}")
  private MetricsSource source;

  @JsonPropertyDescription("What to re-run when a check reaches its retrain band.")
  private Retrain retrain;

  @JsonPropertyDescription("Who hears of warn and alert bands besides Kubernetes Events.")
  private Alert alert;

  @JsonPropertyDescription(
      "Allow source.prometheusUrl and alert.webhook to be link-local or cloud metadata addresses"
          + " (169.254.0.0/16, fe80::/10, metadata.google.internal, ...), which are refused otherwise."
          + " The operator honours it only when its own setting allows such URLs too.")
  private Boolean allowLinkLocal;

  /** One check: a metric with bands. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value =
          "self.metric == 'modelAge' || has(self.warn) || has(self.retrain) || has(self.alert)",
      message = "set at least one of warn, retrain or alert")
  @ValidationRule(
      value =
          "self.metric != 'modelAge' || has(self.warnAfter) || has(self.retrainAfter) ||"
              + " has(self.alertAfter)",
      message = "a modelAge check needs at least one of warnAfter, retrainAfter or alertAfter")
  @ValidationRule(
      value =
          "self.metric == 'liveAccuracy' || ((!has(self.warn) || !has(self.retrain) || self.warn"
              + " <= self.retrain) && (!has(self.retrain) || !has(self.alert) || self.retrain <="
              + " self.alert) && (!has(self.warn) || !has(self.alert) || self.warn <= self.alert))",
      message = "bands must grow: warn <= retrain <= alert (higher values are worse for this metric)",
      fieldPath = ".retrain")
  @ValidationRule(
      value =
          "self.metric != 'liveAccuracy' || ((!has(self.warn) || !has(self.retrain) || self.warn"
              + " >= self.retrain) && (!has(self.retrain) || !has(self.alert) || self.retrain >="
              + " self.alert) && (!has(self.warn) || !has(self.alert) || self.warn >= self.alert))",
      message = "for liveAccuracy lower is worse: bands must fall, warn >= retrain >= alert",
      fieldPath = ".retrain")
  @ValidationRule(
      value = "!has(self.feature) || self.metric in ['featureDrift', 'missingValueShare', 'textOutOfVocabulary']",
      message = "feature applies only to featureDrift, missingValueShare and textOutOfVocabulary",
      fieldPath = ".feature")
  // Durations and numeric bands belong to different metrics; one given to the wrong metric would
  // be ignored without a word.
  @ValidationRule(
      value =
          "self.metric == 'modelAge' || !(has(self.warnAfter) || has(self.retrainAfter) ||"
              + " has(self.alertAfter))",
      message = "warnAfter, retrainAfter and alertAfter apply only to modelAge; use warn, retrain and alert")
  @ValidationRule(
      value = "self.metric != 'modelAge' || !(has(self.warn) || has(self.retrain) || has(self.alert))",
      message =
          "a modelAge check takes durations in warnAfter, retrainAfter and alertAfter (e.g. 30d),"
              + " not warn, retrain or alert")
  // Shares and accuracy are fractions; "80" meant as 80% would make a check that never (or always) fires.
  @ValidationRule(
      value = "!has(self.warn) || !(self.metric in " + FRACTION_METRICS + ") || (self.warn >= 0.0 && self.warn <= 1.0)",
      message = FRACTION_MESSAGE,
      fieldPath = ".warn")
  @ValidationRule(
      value = "!has(self.retrain) || !(self.metric in " + FRACTION_METRICS + ") || (self.retrain >= 0.0 && self.retrain <= 1.0)",
      message = FRACTION_MESSAGE,
      fieldPath = ".retrain")
  @ValidationRule(
      value = "!has(self.alert) || !(self.metric in " + FRACTION_METRICS + ") || (self.alert >= 0.0 && self.alert <= 1.0)",
      message = FRACTION_MESSAGE,
      fieldPath = ".alert")
  public static class Check {
    @Required
    @JsonPropertyDescription(
        "driftedFeatureShare (share of features whose drift score is at or above its threshold, 0.1),"
            + " featureDrift (the drift score of one feature, or the largest over all: for numeric"
            + " features the Wasserstein distance in training standard deviations, for categorical,"
            + " text and numeric features of at most 5 values the Jensen-Shannon distance with"
            + " natural logarithms, 0 to 0.833; a feature counts as drifted from 0.1, Evidently's default),"
            + " predictionDrift (PSI of the predicted-probability distribution),"
            + " missingValueShare, textOutOfVocabulary (share of tokens not in the training"
            + " vocabulary), modelAge (time since the version was created), liveAccuracy"
            + " (accuracy on labelled feedback of a classifier; lower is worse), liveMae and liveRmse"
            + " (mean absolute and root mean squared error of a regression model on labelled feedback,"
            + " in the label's units; higher is worse).")
    private CheckMetric metric;

    @Pattern(Patterns.IDENTIFIER)
    @JsonPropertyDescription("For per-feature metrics: one feature. Empty: the worst feature.")
    private String feature;

    @JsonPropertyDescription("Value from which the policy reports Warning.")
    private Double warn;

    @JsonPropertyDescription("Value from which the policy starts a retraining Experiment.")
    private Double retrain;

    @JsonPropertyDescription("Value from which the policy reports Alerting (the model needs rework).")
    private Double alert;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("modelAge only: warn once the version is older than this, e.g. 14d.")
    private String warnAfter;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("modelAge only: retrain once the version is older than this, e.g. 30d.")
    private String retrainAfter;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("modelAge only: alert once the version is older than this.")
    private String alertAfter;
  }

  /** Where drift counts come from. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.type) || self.type != 'prometheus' || has(self.prometheusUrl)",
      message = "prometheusUrl is required when type is prometheus",
      fieldPath = ".prometheusUrl")
  public static class MetricsSource {
    @Default("modelServer")
    @JsonPropertyDescription(
        "modelServer: read and merge the drift counts of every ready replica. prometheus: query"
            + " the same series through PromQL.")
    private SourceType type;

    @Pattern(Patterns.HTTP_URL)
    @Size(max = 2048)
    @JsonPropertyDescription("The Prometheus base URL, e.g. http://prometheus.monitoring:9090.")
    private String prometheusUrl;
  }

  /** How to retrain. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Retrain {
    @Required
    @Pattern(Patterns.MODEL_NAME)
    @JsonPropertyDescription(
        "The Experiment in this namespace whose spec is the template of each retraining"
            + " Experiment (usually the one that trained the current model).")
    private String experiment;

    @Pattern(Patterns.DATA_URI)
    @JsonPropertyDescription(
        "Replaces the template's dataset.uri, e.g. where newer labelled data lands.")
    private String datasetUri;

    @Pattern(Patterns.DURATION)
    @Default("24h")
    @JsonPropertyDescription("At most one retraining per cooldown, however often checks fire.")
    private String cooldown;

    @Min(1)
    @Max(10)
    @Default("1")
    @JsonPropertyDescription("The most retraining Experiments of this policy running at once.")
    private Integer maxConcurrent;
  }

  /** Notification settings. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Alert {
    @Pattern(Patterns.HTTP_URL)
    @Size(max = 2048)
    @JsonPropertyDescription(
        "A URL that receives a JSON POST on Warning and Alerting; retried with backoff.")
    private String webhook;

    @Default("json")
    @JsonPropertyDescription(
        "The webhook's payload: json (the policy, namespace, model, modelVersion, state,"
            + " previousState, message and time as fields) or slack (a Slack incoming-webhook"
            + " message, text and blocks, which Mattermost and other Slack-compatible receivers"
            + " accept too).")
    private WebhookFormat format;
  }

  /** Webhook payloads. */
  public enum WebhookFormat {
    @JsonProperty("json")
    JSON,
    @JsonProperty("slack")
    SLACK
  }

  /** The metrics a check can watch. */
  public enum CheckMetric {
    driftedFeatureShare,
    featureDrift,
    predictionDrift,
    missingValueShare,
    textOutOfVocabulary,
    modelAge,
    liveAccuracy,
    liveMae,
    liveRmse
  }

  /** Drift-count sources. */
  public enum SourceType {
    @JsonProperty("modelServer")
    MODEL_SERVER,
    @JsonProperty("prometheus")
    PROMETHEUS
  }
}
