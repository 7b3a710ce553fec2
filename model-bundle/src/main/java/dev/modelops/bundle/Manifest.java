package dev.modelops.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The bundle's table of contents: what model this is, how it was trained and on what data.
 *
 * @param formatVersion the bundle format version; readers refuse versions they do not know
 * @param model the registered model name
 * @param algorithm the learner, e.g. xgboost
 * @param features the raw input columns, in the order the pipeline expects them
 * @param label the label column of the training data
 * @param positiveClass the label value that maps to 1
 * @param createdAt when the bundle was written (ISO-8601)
 * @param metrics validation metrics
 * @param params the learner's hyperparameters
 * @param data where the training data came from and its fingerprint
 * @param files the file names of the parts of the bundle
 * @param objective the XGBoost objective, e.g. binary:logistic, reg:squarederror, multi:softprob
 *     (absent in bundles written before regression and multi-class models: binary:logistic)
 * @param classes a multi-class model's label values, in the order of its outputs
 * @param classMetrics a multi-class model's precision, recall and f1 of each class, by label value
 * @param training the rows the model was trained on (absent in bundles written before refit)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    int formatVersion,
    String model,
    String algorithm,
    List<Feature> features,
    String label,
    String positiveClass,
    String createdAt,
    Map<String, Double> metrics,
    Map<String, String> params,
    DataFingerprint data,
    Files files,
    String objective,
    List<String> classes,
    Map<String, Map<String, Double>> classMetrics,
    Training training) {

  /** The manifest of a binary classifier, as bundles were before other kinds of model. */
  public Manifest(int formatVersion, String model, String algorithm, List<Feature> features, String label, String positiveClass,
      String createdAt, Map<String, Double> metrics, Map<String, String> params, DataFingerprint data, Files files) {
    this(formatVersion, model, algorithm, features, label, positiveClass, createdAt, metrics, params, data, files, null, null, null, null);
  }

  /** Identifies the training data: its location, SHA-256 of its bytes, and row count. */
  public record DataFingerprint(String uri, String sha256, long rows) {}

  /**
   * How many rows the model was trained on, and whether it was refit: trained again, after the
   * metrics were measured on the validation split, on the training and validation rows together
   * (then the metrics are those of the model before the refit, which did not see those rows).
   */
  public record Training(long rows, boolean refit) {}

  /** File names inside the bundle directory. */
  public record Files(String model, String pipeline, String profile) {
    /** The names this version of the format writes. */
    public static Files standard() {
      return new Files("model.ubj", "pipeline.json", "profile.json");
    }
  }
}
