package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import lombok.Data;

// Over 300 lines on purpose: this file is the Experiment's schema, nested the way the CRD is, read top to bottom.
/** The desired state of an Experiment: data, features, algorithm, search space, objective, registration. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.objective.metric in " + MetricRules.FITTING_METRICS,
    messageExpression = "'metric ' + self.objective.metric + ' does not fit algorithm.objective ' + self.algorithm.objective"
        + " + '; it is measured by ' + " + MetricRules.FITTING_METRIC_NAMES,
    fieldPath = ".objective.metric")
@ValidationRule(
    value = "!has(self.register.qualityGate) || self.register.qualityGate.all(g, g.metric in " + MetricRules.FITTING_METRICS + ")",
    messageExpression = "'a quality-gate metric does not fit algorithm.objective ' + self.algorithm.objective"
        + " + '; it is measured by ' + " + MetricRules.FITTING_METRIC_NAMES,
    fieldPath = ".register.qualityGate")
@ValidationRule(
    value = "!(self.algorithm.objective in " + MetricRules.BINARY_OBJECTIVES + ") || has(self.dataset.positiveClass)",
    messageExpression = "'dataset.positiveClass is required for algorithm.objective ' + self.algorithm.objective",
    fieldPath = ".dataset.positiveClass")
@ValidationRule(
    value = "self.algorithm.objective in " + MetricRules.BINARY_OBJECTIVES + " || !has(self.dataset.positiveClass)",
    messageExpression = "'dataset.positiveClass is only for binary objectives; algorithm.objective '"
        + " + self.algorithm.objective + ' predicts ' + (self.algorithm.objective == 'multi:softprob' ? 'every class' : 'a number')",
    fieldPath = ".dataset.positiveClass")
public class ExperimentSpec {
  /** Bounds that keep the cost of the feature-list rules within the API server's CEL budget. */
  static final int MAX_COLUMNS = 1000;

  static final int MAX_COLUMN_NAME = 128;

  static final String GATE_FRACTION_MESSAGE =
      "accuracy, precision, recall, f1, roc_auc and macro_f1 are between 0 and 1: a quality-gate bound must"
          + " be too (write 0.8, not 80)";

  static final String GATE_R2_MESSAGE = "r2 is at most 1 (a perfect model): a quality-gate min must be too";

  static final String GATE_LOSS_MESSAGE = "log_loss, mlogloss, rmse and mae are never negative: a quality-gate bound must be at least 0";


  @Required
  @Pattern(Patterns.MODEL_NAME)
  @Size(min = 1, max = 40)
  @JsonPropertyDescription(
      "The registered model this Experiment produces versions of (a DNS label, at most 40"
          + " characters). Its ModelVersions are named <model>-v<version>.")
  private String model;

  @Required
  @JsonPropertyDescription("The training data: where it is, its format, its label and its feature columns.")
  private Dataset dataset;

  @JsonPropertyDescription("Optional feature selection applied after the feature pipeline is fitted.")
  private FeatureSelection featureSelection;

  @JsonPropertyDescription("The learning algorithm and its fixed hyperparameters.")
  @Default("{\"name\": \"xgboost\"}")
  private Algorithm algorithm;

  // Optional: without it (or without parameters) there is nothing to search, and the one trial
  // trains with algorithm.params; the planner plans a single trial for an empty space.
  @JsonPropertyDescription(
      "The hyperparameter search: strategy, parameter space and trial budget. Without it (or"
          + " without parameters) the Experiment trains once with algorithm.params.")
  // The rules of a default are checked as written (its own defaults not filled in), so both
  // numbers the parallelTrials rule reads are spelt out.
  @Default("{\"maxTrials\": 1, \"parallelTrials\": 1}")
  private Search search;

  @Required
  @JsonPropertyDescription("The metric the search optimises, measured on the validation split.")
  private Objective objective;

  @JsonPropertyDescription("Whether and how the best trial becomes a ModelVersion.")
  @Default("{}")
  private Register register;

  @JsonPropertyDescription("How trial Jobs run: image, resources, timeout, retries.")
  @Default("{}")
  private Trainer trainer;

  /** Where the training data lives and how to read it. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.features.numeric) || !(self.label in self.features.numeric)",
      message = "the label column must not also be listed in features.numeric",
      fieldPath = ".label")
  @ValidationRule(
      value = "!has(self.features.categorical) || !(self.label in self.features.categorical)",
      message = "the label column must not also be listed in features.categorical",
      fieldPath = ".label")
  @ValidationRule(
      value = "!has(self.features.text) || !(self.label in self.features.text)",
      message = "the label column must not also be listed in features.text",
      fieldPath = ".label")
  @ValidationRule(value = "!has(self.s3) || self.uri.startsWith('s3://')", message = S3Access.ONLY_FOR_S3, fieldPath = ".s3")
  public static class Dataset {
    @Required
    @Pattern(Patterns.DATA_URI)
    @JsonPropertyDescription(
        "Where the data is: file:///path, pvc://<claim>/<path> (the claim is mounted into trial"
            + " pods), http(s)://..., s3://<bucket>/<key> (one object; see s3), or a plain path"
            + " (relative paths resolve against the Experiment file when the trainer runs outside"
            + " the cluster).")
    private String uri;

    @JsonPropertyDescription(
        "For an s3:// uri: the store's endpoint and region and the Secret with the key, which the"
            + " operator gives every trial Pod.")
    private S3Access s3;

    @JsonPropertyDescription("The file format. Only csv (with a header row) for now.")
    @Default("csv")
    private DataFormat format;

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("The column holding the label to predict.")
    private String label;

    @Size(min = 1)
    @JsonPropertyDescription(
        "The label value that counts as the positive class (mapped to 1); every other value maps to 0."
            + " Required for a binary objective, absent for regression and multi-class ones.")
    private String positiveClass;

    @Required
    @JsonPropertyDescription("The feature columns by type.")
    private Features features;

    @Min(value = 0.0, inclusive = false)
    @Max(value = 1.0, inclusive = false)
    @Default("0.2")
    @JsonPropertyDescription(
        "Share of rows held out for validation, strictly between 0 and 1. Trials are compared on this split.")
    private Double validationSplit;

    @Min(0)
    @Default("42")
    @JsonPropertyDescription(
        "Seed for the split and the learner: the same data, spec, parameters and seed give the same model.")
    private Long seed;

    @Default("false")
    @JsonPropertyDescription(
        "After a trial is evaluated on the validation split, train its model again with the same"
            + " parameters (and the rounds early stopping chose) on the training and validation rows"
            + " together, and put that model in the bundle. The trial's metrics still come from the"
            + " model that did not see the validation rows; the feature pipeline and drift reference"
            + " stay fitted on the training split.")
    private Boolean refit;
  }

  /** Feature columns by type, and the options of their transforms. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value =
          "(has(self.numeric) && size(self.numeric) > 0) || (has(self.categorical) &&"
              + " size(self.categorical) > 0) || (has(self.text) && size(self.text) > 0)",
      message = "list at least one feature column in numeric, categorical or text")
  // A column has one type: listed twice it would be encoded twice, and the server could not say
  // which transform a request's value goes through.
  @ValidationRule(
      value = "!has(self.numeric) || !has(self.categorical) || !self.numeric.exists(c, c in self.categorical)",
      message = "a column must not be listed in both numeric and categorical",
      fieldPath = ".categorical")
  @ValidationRule(
      value = "!has(self.numeric) || !has(self.text) || !self.numeric.exists(c, c in self.text)",
      message = "a column must not be listed in both numeric and text",
      fieldPath = ".text")
  @ValidationRule(
      value = "!has(self.categorical) || !has(self.text) || !self.categorical.exists(c, c in self.text)",
      message = "a column must not be listed in both categorical and text",
      fieldPath = ".text")
  public static class Features {
    @Size(max = MAX_COLUMNS)
    @JsonPropertyDescription("Numeric columns: missing values are imputed with the training median, then standardised.")
    private List<@Size(max = MAX_COLUMN_NAME) String> numeric;

    @Size(max = MAX_COLUMNS)
    @JsonPropertyDescription(
        "Categorical columns: one-hot encoded; rare and unseen values go to an 'other' bucket.")
    private List<@Size(max = MAX_COLUMN_NAME) String> categorical;

    @Size(max = MAX_COLUMNS)
    @JsonPropertyDescription("Free-text columns: tokenised and weighted with TF-IDF.")
    private List<@Size(max = MAX_COLUMN_NAME) String> text;

    @Min(1)
    @Default("5")
    @JsonPropertyDescription(
        "A category seen fewer times than this in the training split is put in the 'other' bucket.")
    private Integer categoricalMinCount;

    @JsonPropertyDescription("Options of the text transform.")
    @Default("{}")
    private TextOptions textOptions;
  }

  /** Tokenisation and TF-IDF options for text columns. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.ngramMin) || !has(self.ngramMax) || self.ngramMin <= self.ngramMax",
      message = "ngramMin must not exceed ngramMax",
      fieldPath = ".ngramMin")
  public static class TextOptions {
    @Min(1)
    @Max(3)
    @Default("1")
    @JsonPropertyDescription("Smallest n-gram length, 1 to 3.")
    private Integer ngramMin;

    @Min(1)
    @Max(3)
    @Default("2")
    @JsonPropertyDescription("Largest n-gram length, 1 to 3.")
    private Integer ngramMax;

    @Min(1)
    @Max(1000000)
    @Default("20000")
    @JsonPropertyDescription("Keep at most this many terms, the most frequent in the training split.")
    private Integer maxVocabulary;

    @Min(1)
    @Default("2")
    @JsonPropertyDescription("A term must appear in at least this many training documents to be kept.")
    private Integer minDocumentFrequency;
  }

  /** Feature selection after the pipeline is fitted. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "self.method == 'none' || has(self.topK)",
      message = "topK is required when method is mutualInformation",
      fieldPath = ".topK")
  public static class FeatureSelection {
    @Default("none")
    @JsonPropertyDescription("none keeps every feature; mutualInformation keeps the topK most informative.")
    private SelectionMethod method;

    @Min(1)
    @JsonPropertyDescription("How many encoded features to keep, at least 1.")
    private Integer topK;
  }

  /** The learning algorithm and its fixed hyperparameters. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Algorithm {
    @Default("xgboost")
    @JsonPropertyDescription("The learner. xgboost (gradient-boosted trees) for now.")
    private AlgorithmName name;

    @Default("binary:logistic")
    @JsonPropertyDescription(
        "What the model predicts: binary:logistic (or reg:logistic) the probability of"
            + " dataset.positiveClass; reg:squarederror, reg:pseudohubererror or reg:absoluteerror a"
            + " number (a numeric label); multi:softprob one probability per label value (2 to 100"
            + " classes). Metrics: accuracy, precision, recall, f1, roc_auc, log_loss for binary;"
            + " rmse, mae, r2 for regression; accuracy, macro_f1, mlogloss for multi-class.")
    @Size(max = MetricRules.MAX_NAME)
    private LearningObjective objective;

    @JsonPropertyDescription(
        "Fixed hyperparameters passed to the learner for every trial, e.g. {eta: 0.1,"
            + " num_round: 200}; not the objective (set objective). Searched parameters override these.")
    private Map<String, JsonNode> params;
  }

  /** The hyperparameter search. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "self.parallelTrials <= self.maxTrials",
      message = "parallelTrials must not exceed maxTrials",
      fieldPath = ".parallelTrials")
  // Two entries of one name would both be sampled and the later would silently win.
  @ValidationRule(
      value = "!has(self.parameters) || self.parameters.all(p, self.parameters.exists_one(q, q.name == p.name))",
      message = "parameter names must be unique: each hyperparameter is searched by one entry",
      fieldPath = ".parameters")
  // A grid needs the points of a double range; without a step the operator could only fail the Experiment.
  @ValidationRule(
      value =
          "self.strategy != 'grid' || !has(self.parameters) || self.parameters.all(p, p.type != 'double' ||"
              + " has(p.step))",
      message = "a grid search needs step on every double parameter: set step, or use strategy random",
      fieldPath = ".parameters")
  public static class Search {
    @Default("random")
    @JsonPropertyDescription(
        "grid tries every combination (numeric ranges need a step), random samples the space, tpe"
            + " (Tree-structured Parzen Estimator) samples at random for max(4, 2 x parameters) trials,"
            + " then proposes each next trial from the results of the finished ones; all are seeded by"
            + " dataset.seed.")
    private SearchStrategy strategy;

    @Size(max = 64)
    @JsonPropertyDescription(
        "The parameters to search, at most 64, each name once. Empty: one trial with the fixed params only.")
    private List<SearchParameter> parameters;

    @Min(1)
    @Max(1000)
    @Default("10")
    @JsonPropertyDescription("The most trials to run, 1 to 1000.")
    private Integer maxTrials;

    @Min(1)
    @Max(100)
    @Default("1")
    @JsonPropertyDescription("The most trial Jobs running at once; not above maxTrials.")
    private Integer parallelTrials;

    // No rule ties this to maxTrials: with its default of 3 such a rule refused every search of
    // one or two trials for a field the user never wrote, and a larger value simply never stops.
    // At least 1: with 0 the search would have "failed enough" before its first trial.
    @Min(1)
    @Default("3")
    @JsonPropertyDescription(
        "Stop starting trials once this many have failed, at least 1. At or above maxTrials: the"
            + " search never stops early.")
    private Integer maxFailedTrials;

    @JsonPropertyDescription("Stop early when the objective stops improving.")
    private EarlyStopping earlyStopping;

    @Size(max = 64)
    @JsonPropertyDescription(
        "Parameters to try first: trial 0 runs with these values of searched parameters (each a name"
            + " of spec.search.parameters, its value within that parameter's range or values), the"
            + " strategy plans the rest. A DriftPolicy's retrain sets it to the parameters of the"
            + " version it retrains, so the search starts from what worked.")
    private Map<String, String> warmStart;
  }

  /** One dimension of the search space. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "self.type == 'categorical' || (has(self.min) && has(self.max))",
      message = "int and double parameters need both min and max")
  @ValidationRule(
      value = "!has(self.min) || !has(self.max) || self.min <= self.max",
      message = "min must not exceed max",
      fieldPath = ".min")
  @ValidationRule(
      value = "self.type != 'categorical' || (has(self.values) && size(self.values) > 0)",
      message = "a categorical parameter needs at least one entry in values",
      fieldPath = ".values")
  @ValidationRule(
      value = "!has(self.logScale) || !self.logScale || (has(self.min) && self.min > 0.0)",
      message = "logScale needs min greater than 0",
      fieldPath = ".logScale")
  // Between 2.2 and 2.8 there is no int to try: a grid would be empty, a random sample out of range.
  @ValidationRule(
      value = "self.type != 'int' || !has(self.min) || self.min == double(int(self.min))",
      message = "an int parameter needs whole-number bounds, e.g. 2, not 2.5",
      fieldPath = ".min")
  @ValidationRule(
      value = "self.type != 'int' || !has(self.max) || self.max == double(int(self.max))",
      message = "an int parameter needs whole-number bounds, e.g. 2, not 2.5",
      fieldPath = ".max")
  public static class SearchParameter {
    @Required
    @Pattern(Patterns.IDENTIFIER)
    @Size(max = 63)
    @JsonPropertyDescription("The hyperparameter name as the algorithm knows it, e.g. max_depth or eta.")
    private String name;

    @Required
    @JsonPropertyDescription("int, double or categorical.")
    private ParameterType type;

    @JsonPropertyDescription("Lower bound (inclusive) for int and double parameters.")
    private Double min;

    @JsonPropertyDescription("Upper bound (inclusive) for int and double parameters.")
    private Double max;

    @Min(value = 0.0, inclusive = false)
    @JsonPropertyDescription("Grid step for int and double parameters (grid search). Default: 1 for int.")
    private Double step;

    @JsonPropertyDescription("Sample on a log scale (random search); needs min > 0.")
    private Boolean logScale;

    @JsonPropertyDescription("The values of a categorical parameter.")
    private List<String> values;
  }

  /** Stops a search that has stopped improving. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EarlyStopping {
    @Required
    @Min(1)
    @JsonPropertyDescription("Stop after this many finished trials in a row that did not improve the best objective.")
    private Integer patience;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription("The smallest change of the objective that counts as an improvement.")
    private Double minDelta;
  }

  /** The metric the search optimises. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!(self.metric in " + MetricRules.LOSSES + ") || self.goal == 'minimize'",
      messageExpression = "self.metric + ' is a loss: set goal to minimize'",
      fieldPath = ".goal")
  @ValidationRule(
      value = "self.metric in " + MetricRules.LOSSES + " || self.goal == 'maximize'",
      messageExpression = "self.metric + ' is maximised: set goal to maximize'",
      fieldPath = ".goal")
  public static class Objective {
    @Required
    @JsonPropertyDescription(
        "The metric on the validation split; it must fit algorithm.objective: accuracy, precision, recall,"
            + " f1, roc_auc or log_loss (binary); rmse, mae or r2 (regression); accuracy, macro_f1 or"
            + " mlogloss (multi-class).")
    @Size(max = MetricRules.MAX_NAME)
    private Metric metric;

    @Default("maximize")
    @JsonPropertyDescription("maximize, or minimize (the losses: log_loss, mlogloss, rmse, mae).")
    private Goal goal;
  }

  /** Registration of the best trial as a ModelVersion. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Register {
    @JsonPropertyDescription(
        "Minimum (or, for losses, maximum) metric values the best trial must reach to be"
            + " registered. Empty: any successful trial is registered.")
    @Size(max = 20)
    private List<MetricThreshold> qualityGate;

    @Default("manual")
    @JsonPropertyDescription(
        "auto: the new version goes to Production when it beats the current Production version on"
            + " the objective, else to Staging. manual: it is registered with stage None and a"
            + " person sets its stage.")
    private PromotionMode promote;

    @JsonPropertyDescription(
        "The rollout of the versions this registers (spec.rollout of each): with promote auto and"
            + " Shadow or Canary, a better version reaches Production only on evidence from live"
            + " requests. A DriftPolicy's retrain, made from this Experiment, inherits it.")
    private Rollout rollout;
  }

  /** A bound on one metric. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "has(self.min) || has(self.max)",
      message = "a quality-gate entry needs min or max")
  // A bound no model can reach (or every model passes) is a gate that never (or always) opens.
  @ValidationRule(
      value = "!has(self.min) || !(self.metric in " + MetricRules.FRACTIONS + ") || (self.min >= 0.0 && self.min <= 1.0)",
      message = GATE_FRACTION_MESSAGE,
      fieldPath = ".min")
  @ValidationRule(
      value = "!has(self.max) || !(self.metric in " + MetricRules.FRACTIONS + ") || (self.max >= 0.0 && self.max <= 1.0)",
      message = GATE_FRACTION_MESSAGE,
      fieldPath = ".max")
  @ValidationRule(
      value = "!has(self.min) || !(self.metric in " + MetricRules.LOSSES + ") || self.min >= 0.0",
      message = GATE_LOSS_MESSAGE,
      fieldPath = ".min")
  @ValidationRule(
      value = "!has(self.max) || !(self.metric in " + MetricRules.LOSSES + ") || self.max >= 0.0",
      message = GATE_LOSS_MESSAGE,
      fieldPath = ".max")
  @ValidationRule(
      value = "!has(self.min) || self.metric != 'r2' || self.min <= 1.0",
      message = GATE_R2_MESSAGE,
      fieldPath = ".min")
  @ValidationRule(
      value = "!has(self.min) || !has(self.max) || self.min <= self.max",
      message = "min must not exceed max",
      fieldPath = ".min")
  public static class MetricThreshold {
    @Required
    @JsonPropertyDescription("The metric to check.")
    @Size(max = MetricRules.MAX_NAME)
    private Metric metric;

    @JsonPropertyDescription("The lowest acceptable value.")
    private Double min;

    @JsonPropertyDescription("The highest acceptable value (for losses).")
    private Double max;
  }

  /** How trial Jobs run. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  // A Job's activeDeadlineSeconds must be positive: with a timeout of 0s no trial Job could be created.
  @ValidationRule(
      value = "!has(self.timeout) || self.timeout.matches('[1-9]')",
      message = "timeout must be more than 0, e.g. 30m",
      fieldPath = ".timeout")
  public static class Trainer {
    @JsonPropertyDescription("The trainer-job image. Empty: the operator's configured default trainer image.")
    private String image;

    @JsonPropertyDescription("Always, IfNotPresent or Never. Empty: the Kubernetes default for the image tag.")
    private PullPolicy imagePullPolicy;

    @JsonPropertyDescription("CPU and memory for each trial pod.")
    private ComputeResources resources;

    @Pattern(Patterns.DURATION)
    @Default("1h")
    @JsonPropertyDescription("A trial running longer than this is stopped and counted as failed, e.g. 30m; more than 0.")
    private String timeout;

    @Min(0)
    @Max(10)
    @Default("0")
    @JsonPropertyDescription("Pod retries within one trial Job before the trial fails.")
    private Integer backoffLimit;

    @Pattern(Patterns.OBJECT_NAME)
    @Size(max = 253)
    @JsonPropertyDescription("The ServiceAccount trial pods run as. Empty: the namespace default.")
    private String serviceAccountName;
  }

  /** Data file formats. */
  public enum DataFormat {
    @JsonProperty("csv")
    CSV
  }

  /** Feature selection methods. */
  public enum SelectionMethod {
    @JsonProperty("none")
    NONE,
    @JsonProperty("mutualInformation")
    MUTUAL_INFORMATION
  }

  /** Supported learners. */
  public enum AlgorithmName {
    @JsonProperty("xgboost")
    XGBOOST
  }

  /** Search strategies. */
  public enum SearchStrategy {
    @JsonProperty("grid")
    GRID,
    @JsonProperty("random")
    RANDOM,
    @JsonProperty("tpe")
    TPE
  }

  /** Types of search parameters. */
  public enum ParameterType {
    @JsonProperty("int")
    INT,
    @JsonProperty("double")
    DOUBLE,
    @JsonProperty("categorical")
    CATEGORICAL
  }

  /** Whether the objective is maximised or minimised. */
  public enum Goal {
    @JsonProperty("maximize")
    MAXIMIZE,
    @JsonProperty("minimize")
    MINIMIZE
  }

  /** How a registered version is promoted. */
  public enum PromotionMode {
    @JsonProperty("auto")
    AUTO,
    @JsonProperty("manual")
    MANUAL
  }

  /** Image pull policies. */
  public enum PullPolicy {
    Always,
    IfNotPresent,
    Never
  }
}
