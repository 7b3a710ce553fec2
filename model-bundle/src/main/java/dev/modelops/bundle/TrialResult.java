package dev.modelops.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * What one trial reports, the contract between the trainer (writes it as the last line on stdout
 * and as the termination message) and the operator (reads it from the Pod status). One JSON
 * object; fields a reader does not know are ignored, so either side may add one.
 *
 * @param status Succeeded or Failed
 * @param objective the objective metric of a successful trial
 * @param metrics every metric measured on the validation split
 * @param confusion the confusion counts (tp, fp, tn, fn)
 * @param bundleUri where the bundle was written
 * @param params the parameters the trial ran with (left out when too long: see {@code paramsOmitted})
 * @param paramsOmitted why {@code params} is missing
 * @param timings how long each step took, in milliseconds
 * @param reason why a trial failed, CamelCase (BadData, BadSpec, BadParameter, BadOutput, TrainerError)
 * @param message what to do about the failure
 * @param classMetrics a multi-class model's precision, recall and f1 of each class, by label
 *     value (left out when too long, like {@code params}; the bundle's manifest has them)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrialResult(
    Status status,
    Double objective,
    Map<String, Double> metrics,
    Map<String, Long> confusion,
    String bundleUri,
    Map<String, String> params,
    String paramsOmitted,
    Map<String, Long> timings,
    String reason,
    String message,
    Map<String, Map<String, Double>> classMetrics) {

  /** Whether the trial produced a bundle. */
  public enum Status { Succeeded, Failed }

  /** Kubernetes keeps at most 4096 bytes of a termination message; a result must fit whole. */
  public static final int MAX_BYTES = 4000;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A successful trial. */
  public static TrialResult succeeded(double objective, Map<String, Double> metrics, Map<String, Long> confusion, String bundleUri,
      Map<String, String> params, Map<String, Long> timings) {
    return succeeded(objective, metrics, confusion, null, bundleUri, params, timings);
  }

  /** A successful trial, with the per-class metrics of a multi-class model. */
  public static TrialResult succeeded(double objective, Map<String, Double> metrics, Map<String, Long> confusion,
      Map<String, Map<String, Double>> classMetrics, String bundleUri, Map<String, String> params, Map<String, Long> timings) {
    return new TrialResult(Status.Succeeded, objective, metrics, confusion, bundleUri, params, null, timings, null, null, classMetrics);
  }

  /** A failed trial, with the reason and a message shortened to fit. */
  public static TrialResult failed(String reason, String message) {
    return new TrialResult(Status.Failed, null, null, null, null, null, null, null, reason, shorten(message, 3000), null);
  }

  /** This result with a note (a successful trial's is informational, e.g. that it was not tracked). */
  public TrialResult withMessage(String note) {
    return new TrialResult(status, objective, metrics, confusion, bundleUri, params, paramsOmitted, timings, reason,
        note == null ? message : shorten(note, 1000), classMetrics);
  }

  /** Whether the trial succeeded. */
  public boolean ok() {
    return status == Status.Succeeded;
  }

  /**
   * The result as one JSON line of at most {@link #MAX_BYTES}: when the parameters (which the
   * Experiment can make arbitrarily long) or the per-class metrics (up to 100 classes) do not
   * fit, they are left to the bundle manifest and a
   * failure message is shortened. Truncating the bytes instead would leave invalid JSON.
   */
  public String toLine() {
    String line = json(this);
    if (fits(line)) {
      return line;
    }
    TrialResult smaller = new TrialResult(status, objective, metrics, confusion, bundleUri, null,
        params == null ? paramsOmitted : "too long for the termination message; see the bundle's manifest.json", timings, reason,
        shorten(message, 1000), null);
    line = json(smaller);
    return fits(line) ? line : json(failed("TrainerError", "the result does not fit in a 4 KiB termination message"));
  }

  /**
   * The result in a termination message or log: its last line, if that is a result; empty when
   * there is none (a trainer killed before it reported, or a message that is not JSON).
   */
  public static Optional<TrialResult> parse(String message) {
    if (message == null || message.isBlank()) {
      return Optional.empty();
    }
    try {
      TrialResult r = JSON.readValue(lastLine(message), TrialResult.class);
      return Optional.ofNullable(r).filter(x -> x.status() != null);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The last non-empty line of a text. */
  public static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1];
  }

  private static boolean fits(String line) {
    return line.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES;
  }

  private static String shorten(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
  }

  private static String json(TrialResult r) {
    try {
      return JSON.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
