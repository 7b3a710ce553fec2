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
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.Map;
import lombok.Data;

/** The desired state of a ModelVersion: which model file, where it came from, and its stage. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(oldSelf.model) || self.model == oldSelf.model",
    message = "model is immutable: register a new ModelVersion instead",
    fieldPath = ".model")
@ValidationRule(
    value = "!has(oldSelf.version) || self.version == oldSelf.version",
    message = "version is immutable: register a new ModelVersion instead",
    fieldPath = ".version")
@ValidationRule(
    value = "!has(oldSelf.artifact) || self.artifact == oldSelf.artifact",
    message = "artifact is immutable: a ModelVersion is one trained model; register a new one instead",
    fieldPath = ".artifact")
public class ModelVersionSpec {
  @Required
  @Pattern(Patterns.MODEL_NAME)
  @Size(min = 1, max = 40)
  @JsonPropertyDescription("The registered model this is a version of (a DNS label, at most 40 characters).")
  private String model;

  @Required
  @Min(1)
  @Max(99999)
  @JsonPropertyDescription("The version number, from 1; unique per model. Immutable.")
  private Integer version;

  @Required
  @JsonPropertyDescription("The trained model file or bundle. Immutable.")
  private Artifact artifact;

  @JsonPropertyDescription("The Experiment and trial that produced this version, if any.")
  private Source source;

  @JsonPropertyDescription("Validation metrics of this version, e.g. {roc_auc: 0.84}.")
  private Map<String, Double> metrics;

  @Default("None")
  @JsonPropertyDescription(
      "None: registered, not served. Staging: served on its own Service. Production: served and"
          + " routed from the model's stable Service (if several versions say Production, the"
          + " highest version wins). Archived: not served, kept as a record.")
  private Stage stage;

  @Default("{}")
  @JsonPropertyDescription(
      "How this version takes over from the Production version when its stage becomes Production:"
          + " Direct (at once, the default), Shadow or Canary (only on evidence from live requests).")
  private Rollout rollout;

  @JsonPropertyDescription("How this version is served while its stage is Staging or Production.")
  @Default("{}")
  private Serving serving;

  /** A model file or bundle location. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  // The model server reads a bundle folder; over HTTP there is no folder to read.
  @ValidationRule(
      value = "!self.uri.startsWith('http://') && !self.uri.startsWith('https://')",
      message = "http(s):// artifacts are not supported: the model server reads a bundle folder from pvc://<claim>/<path>,"
          + " s3://<bucket>/<prefix>, file:///path or a path; copy the bundle there",
      fieldPath = ".uri")
  @ValidationRule(value = "!has(self.s3) || self.uri.startsWith('s3://')", message = S3Access.ONLY_FOR_S3, fieldPath = ".s3")
  public static class Artifact {
    @Required
    @Pattern(Patterns.ARTIFACT_URI)
    @JsonPropertyDescription(
        "Where the bundle folder is: pvc://<claim>/<path> (mounted into model-server pods),"
            + " s3://<bucket>/<prefix> (fetched by each model-server pod as it starts; see s3),"
            + " file:///path or a path. http(s):// is not supported.")
    private String uri;

    @JsonPropertyDescription(
        "For an s3:// uri: the store's endpoint and region and the Secret with the key, which the"
            + " operator gives every model-server pod.")
    private S3Access s3;

    @Default("modelops")
    @JsonPropertyDescription(
        "modelops: a bundle written by the trainer (model, feature pipeline, drift reference)."
            + " xgboost or onnx: a plain model file you bring, scored on numeric inputs.")
    private ArtifactFormat format;
  }

  /** Provenance of a version. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Source {
    @JsonPropertyDescription("The Experiment that produced this version.")
    private String experiment;

    @JsonPropertyDescription("The trial of that Experiment whose model this is.")
    private String trial;

    @JsonPropertyDescription("The searched parameters of that trial; a DriftPolicy's retrain starts its search from them.")
    private java.util.Map<String, String> params;
  }

  /** Serving settings. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Serving {
    @Min(0)
    @Max(100)
    @Default("1")
    @SpecReplicas
    @JsonPropertyDescription("Model-server replicas; `kubectl scale mv/<name> --replicas=N` sets it.")
    private Integer replicas;

    @JsonPropertyDescription("CPU and memory for each model-server pod.")
    private ComputeResources resources;

    @JsonPropertyDescription("The model-server image. Empty: the operator's configured default.")
    private String image;

    @Min(100)
    @Max(10000000)
    @Default("10000")
    @JsonPropertyDescription("Drift is computed over this many most recent predictions per replica.")
    private Integer driftWindow;

    @JsonPropertyDescription(
        "Require a bearer token on POST /v1/feedback. Feedback labels move live accuracy, which can"
            + " retrain or alert; with this set, only clients that send 'Authorization: Bearer <token>'"
            + " may give them. Empty: feedback is open to whoever reaches the server.")
    private FeedbackAuth feedbackAuth;
  }

  /** Who may send feedback labels. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FeedbackAuth {
    @Required
    @JsonPropertyDescription(
        "The Secret (in this namespace) and key holding the token; the model server gets it as an"
            + " environment variable from the Secret, the operator never reads it.")
    private SecretKeyRef secretRef;
  }

  /** One key of a Secret in the resource's namespace. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKeyRef {
    @Required
    @Pattern(Patterns.OBJECT_NAME)
    @Size(min = 1, max = 253)
    @JsonPropertyDescription("The Secret's name.")
    private String name;

    @Required
    @Pattern(Patterns.SECRET_KEY)
    @Size(min = 1, max = 253)
    @JsonPropertyDescription("The key in the Secret's data.")
    private String key;
  }

  /** Artifact formats. */
  public enum ArtifactFormat {
    @JsonProperty("modelops")
    MODELOPS,
    @JsonProperty("xgboost")
    XGBOOST,
    @JsonProperty("onnx")
    ONNX
  }

  /** Lifecycle stages of a registered version. */
  public enum Stage {
    None,
    Staging,
    Production,
    Archived
  }
}
