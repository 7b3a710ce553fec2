package dev.modelops.operator.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.ModelVersion;
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
 * The same measurements through PromQL, from the series every model server exports. Series are
 * restricted to the replicas that serve the watched version by joining on {@code model_served}
 * (whose labels name model and version), and replicas are combined by weighting each replica's
 * statistic with its drift-window sample count (feedback counts are simply summed).
 */
public final class PrometheusSource implements DriftSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;

  public PrometheusSource(HttpClient http) {
    this.http = http;
  }

  @Override
  public Observation observe(DriftPolicy policy, ModelVersion mv) throws DriftSource.SourceException {
    String base = policy.getSpec().getSource().getPrometheusUrl().replaceAll("/+$", "");
    String model = mv.getSpec().getModel();
    String version = "model=\"" + model + "\",version=\"" + mv.getSpec().getVersion() + "\"";
    String namespace = mv.getMetadata().getNamespace();
    try {
      // Scraped through Kubernetes service discovery (a ServiceMonitor, or relabelled pod
      // discovery), series carry the pod's namespace: then only this namespace's replicas count,
      // so two namespaces serving a model of the same name and version are never merged. Static
      // scrape configs have no namespace label, and every replica of the version counts.
      boolean namespaced = !query(base, "count(model_served{" + version + ",namespace!=\"\"})", null).isEmpty();
      String served = "model_served{" + version + (namespaced ? ",namespace=\"" + namespace + "\"" : "") + "}";
      String samples = "(model_drift_window_samples{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")";
      Map<String, Double> total = query(base, "sum(" + samples + ")", null);
      double n = total.getOrDefault("", 0.0);
      Map<String, Double> replicas = query(base, "count(" + served + ")", null);
      if (replicas.isEmpty()) {
        throw new DriftSource.SourceException("Prometheus at " + base + " has no series " + served
            + (namespaced ? " (its model_served series carry namespace labels, and none is " + namespace + ")" : "")
            + ": is it scraping the model servers' /prometheus endpoint?");
      }
      Map<String, Double> score = weighted(base, "model_feature_drift_score", model, samples, served, n);
      Map<String, Double> threshold = query(base, "max by (feature) (model_feature_drift_threshold{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")", "feature");
      Map<String, Double> missing = weighted(base, "model_feature_missing_share", model, samples, served, n);
      Map<String, Double> oov = weighted(base, "model_text_oov_rate", model, samples, served, n);
      Map<String, Double> psi = query(base, "max by (feature) (model_feature_psi{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")", "feature");
      double predictionDrift = n == 0 ? 0 : query(base, "sum(model_prediction_psi{model=\"" + model + "\"} * on(instance, job) group_left() "
          + samples + ") / " + n, null).getOrDefault("", 0.0);
      double feedback = query(base, "sum(model_feedback_total{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")", null)
          .getOrDefault("", 0.0);
      double correct = query(base, "sum(model_feedback_correct_total{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")", null)
          .getOrDefault("", 0.0);
      List<Observation.Feature> features = new ArrayList<>();
      score.forEach((feature, s) -> {
        Double t = threshold.get(feature);
        String type = oov.containsKey(feature) ? "text" : psi.containsKey(feature) ? "numeric" : "categorical";
        features.add(new Observation.Feature(feature, type, s, t != null && s > t, missing.getOrDefault(feature, 0.0), oov.get(feature)));
      });
      return new Observation((long) n, features, predictionDrift, (long) feedback, (long) correct, replicas.getOrDefault("", 0.0).intValue());
    } catch (IOException e) {
      throw new DriftSource.SourceException("cannot query Prometheus at " + base + ": " + e.getMessage(), e);
    }
  }

  /** Per feature: the sample-weighted mean over the watched replicas of a per-replica statistic. */
  private Map<String, Double> weighted(String base, String metric, String model, String samples, String served, double n)
      throws IOException, DriftSource.SourceException {
    if (n == 0) {
      return query(base, "max by (feature) (" + metric + "{model=\"" + model + "\"} * on(instance, job) group_left() " + served + ")", "feature");
    }
    return query(base, "sum by (feature) (" + metric + "{model=\"" + model + "\"} * on(instance, job) group_left() " + samples + ") / " + n, "feature");
  }

  /** Runs an instant query; the result keyed by the value of {@code label} ("" without one). NaN values are left out. */
  Map<String, Double> query(String base, String promql, String label) throws IOException, DriftSource.SourceException {
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
    Map<String, Double> out = new LinkedHashMap<>();
    for (JsonNode sample : body.path("data").path("result")) {
      double v = Double.parseDouble(sample.path("value").get(1).asText());
      if (!Double.isNaN(v)) {
        out.put(label == null ? "" : sample.path("metric").path(label).asText(), v);
      }
    }
    return out;
  }
}
