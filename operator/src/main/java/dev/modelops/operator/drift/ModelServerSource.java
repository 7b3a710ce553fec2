package dev.modelops.operator.drift;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.operator.serving.ServingObjects;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the drift counts of every ready pod of the watched version (GET /v1/drift/counts on the
 * container port named admin when the server has one, else the one named http; never with a
 * feedback token: drift reads need none) and adds them up, so the verdict never depends on which replica
 * answered; the reference profile comes from GET /v1/drift/reference once per version.
 */
public final class ModelServerSource implements DriftSource {
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final KubernetesClient client;
  private final HttpClient http;
  private final Map<String, ReferenceProfile> references = new ConcurrentHashMap<>();

  public ModelServerSource(KubernetesClient client, HttpClient http) {
    this.client = client;
    this.http = http;
  }

  @Override
  public Observation observe(DriftPolicy policy, ModelVersion mv) throws SourceException {
    List<Pod> ready = readyPods(mv, "drift counts");
    DriftCounts total = null;
    long feedback = 0;
    long correct = 0;
    double absError = 0;
    double squaredError = 0;
    List<String> failures = new ArrayList<>();
    for (Pod pod : ready) {
      String base = "http://" + pod.getStatus().getPodIP() + ":" + port(pod);
      try {
        JsonNode node = get(base + "/v1/drift/counts");
        if (node.path("version").asInt(-1) != mv.getSpec().getVersion()) {
          failures.add(pod.getMetadata().getName() + " serves version " + node.path("version").asText() + ", not " + mv.getSpec().getVersion());
          continue;
        }
        DriftCounts counts = JSON.treeToValue(node, DriftCounts.class);
        total = total == null ? counts : total.plus(counts);
        feedback += node.path("feedback").asLong();
        correct += node.path("feedbackCorrect").asLong();
        absError += node.path("feedbackAbsError").asDouble();
        squaredError += node.path("feedbackSquaredError").asDouble();
      } catch (IOException | IllegalArgumentException e) {
        failures.add(pod.getMetadata().getName() + ": " + e.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      // A partial sum would make the verdict depend on which replicas answered.
      throw new SourceException("cannot read drift counts from every ready pod of " + mv.getMetadata().getName() + ": " + String.join("; ", failures));
    }
    DriftReport report = DriftReport.of(reference(mv), total, thresholds(policy));
    return Observation.of(report, feedback, correct, ready.size()).withErrors(absError, squaredError);
  }

  /**
   * The reference profile the version's bins refer to: GET /v1/drift/reference on one of its
   * ready pods, once per version (a version's bundle never changes).
   */
  public ReferenceProfile reference(ModelVersion mv) throws SourceException {
    ReferenceProfile known = references.get(mv.getMetadata().getUid());
    if (known != null) {
      return known;
    }
    List<String> failures = new ArrayList<>();
    for (Pod pod : readyPods(mv, "the reference profile")) {
      try {
        ReferenceProfile profile = JSON.treeToValue(get("http://" + pod.getStatus().getPodIP() + ":" + port(pod) + "/v1/drift/reference"), ReferenceProfile.class);
        references.put(mv.getMetadata().getUid(), profile);
        return profile;
      } catch (IOException | IllegalArgumentException e) {
        failures.add(pod.getMetadata().getName() + ": " + e.getMessage());
      }
    }
    throw new SourceException("cannot read the reference profile from any ready pod of " + mv.getMetadata().getName() + ": " + String.join("; ", failures));
  }

  private List<Pod> readyPods(ModelVersion mv, String what) throws SourceException {
    List<Pod> ready = client.pods().inNamespace(mv.getMetadata().getNamespace())
        .withLabels(ServingObjects.selector(mv.getSpec().getModel(), mv.getSpec().getVersion())).list().getItems().stream()
        .filter(ModelServerSource::ready).toList();
    if (ready.isEmpty()) {
      throw new SourceException("no ready pod of ModelVersion " + mv.getMetadata().getName() + " to read " + what + " from");
    }
    return ready;
  }

  private JsonNode get(String url) throws IOException {
    try {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + url + " answered " + r.statusCode() + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
      }
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.net.ConnectException e) {
      throw new IOException("GET " + url + ": connection refused", e);
    }
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getPodIP() != null && pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The port drift is read on: the container port named admin (drift and metrics apart from inference), else http. */
  static int port(Pod pod) {
    return ServingObjects.adminPort(pod);
  }

  /** The default thresholds, with the policy's significance level if it sets one. */
  static DriftReport.Thresholds thresholds(DriftPolicy policy) {
    return DriftReport.Thresholds.defaults().withSignificanceLevel(policy.getSpec().getSignificanceLevel());
  }
}
