package dev.modelops.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same measurements through PromQL, from the series every model server exports: the drift
 * windows' counts in the reference profile's fixed bins ({@code model_feature_bin_count},
 * {@code model_feature_bin_sum},
 * {@code model_text_term_count}, {@code model_text_oov_count}, {@code model_text_missing_count},
 * {@code model_prediction_bin_count}, {@code model_drift_window_samples}), summed over the
 * replicas that serve the watched version by joining on {@code model_served} (whose labels name
 * model and version). From the summed counts it computes the report the model-server source
 * computes ({@link DriftReport#of}, default thresholds and the policy's significance level): the same scores, not a mix of the
 * replicas' own. Feedback counters are summed.
 *
 * <p>All series are read by one instant query (its parts told apart by a {@code kind} label), so
 * they come from one evaluation of Prometheus's data. The reference profile the bins refer to
 * is not in Prometheus: it is read once per version from one of its ready pods
 * (GET /v1/drift/reference, {@link ModelServerSource#reference}), as the model-server source does.
 *
 * <p>Cardinality: the answer has one series per reference bin, whatever the number of replicas
 * (they are summed in Prometheus): bins per numeric or categorical feature and the prediction's
 * are bounded by the reference profile (up to 101 counts and 100 sums per numeric feature, one
 * count per category, ten for the prediction); a text feature has one per
 * vocabulary term (the trainer's {@code maxVocabulary}). Each replica exports the same number.
 */
public final class PrometheusSource implements DriftSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a version's reference profile comes from. */
  @FunctionalInterface
  public interface References {
    ReferenceProfile of(ModelVersion mv) throws DriftSource.SourceException;
  }

  private final HttpClient http;
  private final References references;

  public PrometheusSource(HttpClient http, References references) {
    this.http = http;
    this.references = references;
  }

  @Override
  public Observation observe(DriftPolicy policy, ModelVersion mv) throws DriftSource.SourceException {
    String base = policy.getSpec().getSource().getPrometheusUrl().replaceAll("/+$", "");
    String model = "{model=\"" + mv.getSpec().getModel() + "\"}";
    String version = "model=\"" + mv.getSpec().getModel() + "\",version=\"" + mv.getSpec().getVersion() + "\"";
    String namespace = mv.getMetadata().getNamespace();
    try {
      // Scraped through Kubernetes service discovery (a ServiceMonitor, or relabelled pod
      // discovery), series carry the pod's namespace: then only this namespace's replicas count,
      // so two namespaces serving a model of the same name and version are never merged. Static
      // scrape configs have no namespace label, and every replica of the version counts.
      boolean namespaced = !query(base, "count(model_served{" + version + ",namespace!=\"\"})").isEmpty();
      String served = "model_served{" + version + (namespaced ? ",namespace=\"" + namespace + "\"" : "") + "}";
      String join = model + " * on(instance, job) group_left() " + served + ")";
      List<Sample> samples = query(base, String.join(" or ",
          part("bin", "sum by (feature, bin) (model_feature_bin_count" + join),
          part("sum", "sum by (feature, bin) (model_feature_bin_sum" + join),
          part("term", "sum by (feature, bin) (model_text_term_count" + join),
          part("oov", "sum by (feature) (model_text_oov_count" + join),
          part("missing", "sum by (feature) (model_text_missing_count" + join),
          part("prediction", "sum by (bin) (model_prediction_bin_count" + join),
          part("samples", "sum(model_drift_window_samples" + join),
          part("feedback", "sum(model_feedback_total" + join),
          part("correct", "sum(model_feedback_correct_total" + join),
          part("absError", "sum(model_feedback_abs_error_sum_total" + join),
          part("squaredError", "sum(model_feedback_squared_error_sum_total" + join),
          part("replicas", "count(" + served + ")")));
      if (samples.stream().noneMatch(x -> x.kind().equals("replicas"))) {
        throw new DriftSource.SourceException("Prometheus at " + base + " has no series " + served
            + (namespaced ? " (its model_served series carry namespace labels, and none is " + namespace + ")" : "")
            + ": is it scraping the model servers' /prometheus endpoint?");
      }
      return summed(references.of(mv), samples, mv, ModelServerSource.thresholds(policy));
    } catch (IOException e) {
      throw new DriftSource.SourceException("cannot query Prometheus at " + base + ": " + e.getMessage(), e);
    }
  }

  /** The observation of the counts summed by Prometheus, in the bins of {@code reference}. */
  static Observation summed(ReferenceProfile reference, List<Sample> samples, ModelVersion mv, DriftReport.Thresholds thresholds)
      throws DriftSource.SourceException {
    Map<String, long[]> numeric = new LinkedHashMap<>();
    reference.numeric().forEach(p -> numeric.put(p.name(), new long[p.proportions().length + 1]));
    Map<String, double[]> sums = new LinkedHashMap<>();
    reference.numeric().forEach(p -> sums.put(p.name(), new double[p.proportions().length]));
    boolean haveSums = false;
    Map<String, long[]> categorical = new LinkedHashMap<>();
    reference.categorical().forEach(p -> categorical.put(p.name(), new long[p.proportions().length + 1]));
    Map<String, long[]> terms = new LinkedHashMap<>();
    reference.text().forEach(p -> terms.put(p.name(), new long[p.termProportions().length]));
    Map<String, Long> oov = new LinkedHashMap<>();
    Map<String, Long> missing = new LinkedHashMap<>();
    long[] prediction = new long[reference.prediction().proportions().length];
    Map<String, Long> totals = new LinkedHashMap<>();
    Map<String, Double> errors = new LinkedHashMap<>();
    for (Sample x : samples) {
      switch (x.kind()) {
        case "absError", "squaredError" -> errors.put(x.kind(), x.value());
        case "sum" -> {
          double[] bins = sums.get(x.feature());
          if (bins == null || x.bin() < 0 || x.bin() >= bins.length) {
            throw unknownBin("model_feature_bin_sum", x, mv);
          }
          bins[x.bin()] += x.value();
          haveSums = true;
        }
        case "bin" -> add(numeric.containsKey(x.feature()) ? numeric.get(x.feature()) : categorical.get(x.feature()), x, "model_feature_bin_count", mv);
        case "term" -> add(terms.get(x.feature()), x, "model_text_term_count", mv);
        case "prediction" -> add(prediction, x, "model_prediction_bin_count", mv);
        case "oov", "missing" -> {
          if (!terms.containsKey(x.feature())) {
            throw new DriftSource.SourceException("Prometheus has text counts of feature " + x.feature() + ", which the reference profile of "
                + mv.getMetadata().getName() + " has no text feature of that name: is another bundle served under its model and version?");
          }
          (x.kind().equals("oov") ? oov : missing).put(x.feature(), x.count());
        }
        default -> totals.put(x.kind(), x.count());
      }
    }
    Map<String, DriftCounts.TextCounts> text = new LinkedHashMap<>();
    terms.forEach((f, t) -> text.put(f, new DriftCounts.TextCounts(t, oov.getOrDefault(f, 0L), missing.getOrDefault(f, 0L))));
    // Servers of an earlier version export no sums: then the reference's bin means stand in.
    DriftCounts counts = new DriftCounts(totals.getOrDefault("samples", 0L), numeric, categorical, text, prediction, haveSums ? sums : Map.of());
    return Observation.of(DriftReport.of(reference, counts, thresholds),
        totals.getOrDefault("feedback", 0L), totals.getOrDefault("correct", 0L), totals.getOrDefault("replicas", 0L).intValue())
        .withErrors(errors.getOrDefault("absError", 0.0), errors.getOrDefault("squaredError", 0.0));
  }

  /** Adds a summed bin count into its place in {@code bins} (null: the profile has no such feature). */
  private static void add(long[] bins, Sample x, String metric, ModelVersion mv) throws DriftSource.SourceException {
    int bin = x.bin();
    if (bins == null || bin < 0 || bin >= bins.length) {
      throw unknownBin(metric, x, mv);
    }
    bins[bin] += x.count();
  }

  private static DriftSource.SourceException unknownBin(String metric, Sample x, ModelVersion mv) {
    return new DriftSource.SourceException("Prometheus has " + metric + " of feature " + x.feature() + " bin " + x.bin()
        + ", which the reference profile of " + mv.getMetadata().getName() + " has not: is another bundle served under its model and version?");
  }

  /** One part of the query: {@code promql} with the label kind="{@code kind}". */
  private static String part(String kind, String promql) {
    return "label_replace(" + promql + ", \"kind\", \"" + kind + "\", \"\", \"\")";
  }

  /** One series of a query's answer. */
  record Sample(String kind, String feature, int bin, double value) {
    long count() {
      return Math.round(value);
    }
  }

  /** Runs an instant query; its series, NaN values left out. */
  List<Sample> query(String base, String promql) throws IOException, DriftSource.SourceException {
    URI uri = URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<byte[]> r;
    try {
      r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.net.ConnectException e) {
      throw new IOException("connection refused", e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IOException("answered " + r.statusCode() + " with a body that is not JSON; is spec.source.prometheusUrl the Prometheus base URL?", e);
    }
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new DriftSource.SourceException("Prometheus refused the query " + promql + ": " + body.path("error").asText(r.statusCode() + ""));
    }
    List<Sample> out = new ArrayList<>();
    for (JsonNode sample : body.path("data").path("result")) {
      double v = Double.parseDouble(sample.path("value").get(1).asText());
      JsonNode labels = sample.path("metric");
      if (!Double.isNaN(v)) {
        out.add(new Sample(labels.path("kind").asText(), labels.path("feature").asText(), labels.path("bin").asInt(-1), v));
      }
    }
    return out;
  }
}
