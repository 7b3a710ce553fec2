package dev.modelops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of MLflow's REST API (2.0) that modelops uses: experiments and runs for the trainer,
 * registered models, model versions and aliases for the operator. Every call is retried on a
 * connection failure or a 5xx ({@link #attempts} times, doubling the pause), then fails with an
 * {@link MlflowException} that says which call and why; callers decide that tracking is never
 * worth failing a trial or a rollout for.
 */
public final class MlflowClient {
  /** The tag every modelops-made run and model version carries: who made it. */
  public static final String SOURCE_TAG = "modelops.dev/source";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final HttpClient http;
  private final int attempts;
  private final Duration pause;

  public MlflowClient(URI trackingUri, HttpClient http, int attempts, Duration pause) {
    String s = trackingUri.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.http = http;
    this.attempts = attempts;
    this.pause = pause;
  }

  /** A client with a 5 s timeout per call and three attempts, 0.5 s then 1 s apart. */
  public static MlflowClient of(String trackingUri) {
    return new MlflowClient(URI.create(trackingUri), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), 3,
        Duration.ofMillis(500));
  }

  public URI trackingUri() {
    return base;
  }

  /** What a failed call said: the HTTP status (0 without an answer), MLflow's error code and message. */
  public static final class MlflowException extends IOException {
    private final int status;
    private final String errorCode;

    MlflowException(String message, int status, String errorCode, Throwable cause) {
      super(message, cause);
      this.status = status;
      this.errorCode = errorCode;
    }

    public int status() {
      return status;
    }

    public String errorCode() {
      return errorCode;
    }
  }

  // ---- experiments and runs ----

  /** The id of the experiment of this name, made if missing. */
  public String experimentId(String name) throws MlflowException {
    Optional<String> found = findExperiment(name);
    if (found.isPresent()) {
      return found.get();
    }
    try {
      return post("api/2.0/mlflow/experiments/create", obj().put("name", name)).path("experiment_id").asText();
    } catch (MlflowException e) {
      if ("RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) { // made meanwhile by another trial
        return findExperiment(name).orElseThrow(() -> e);
      }
      throw e;
    }
  }

  /** The id of the experiment of this name, if it exists. */
  public Optional<String> findExperiment(String name) throws MlflowException {
    try {
      return Optional.of(get("api/2.0/mlflow/experiments/get-by-name?experiment_name=" + enc(name)).path("experiment").path("experiment_id").asText());
    } catch (MlflowException e) {
      if ("RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** A run started now: its id and where its artifacts go. */
  public record Run(String id, String artifactUri) {}

  public Run createRun(String experimentId, String runName, long startMillis, Map<String, String> tags) throws MlflowException {
    ObjectNode body = obj().put("experiment_id", experimentId).put("run_name", runName).put("start_time", startMillis);
    body.set("tags", pairs(tags));
    JsonNode info = post("api/2.0/mlflow/runs/create", body).path("run").path("info");
    return new Run(info.path("run_id").asText(), info.path("artifact_uri").asText());
  }

  /** Logs parameters, metrics (at {@code millis}, step 0) and tags in one call. */
  public void logBatch(String runId, Map<String, String> params, Map<String, Double> metrics, Map<String, String> tags, long millis)
      throws MlflowException {
    ObjectNode body = obj().put("run_id", runId);
    body.set("params", pairs(params));
    ArrayNode m = body.putArray("metrics");
    metrics.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        m.addObject().put("key", k).put("value", v).put("timestamp", millis).put("step", 0);
      }
    });
    body.set("tags", pairs(tags));
    post("api/2.0/mlflow/runs/log-batch", body);
  }

  /** Ends a run: FINISHED or FAILED. */
  public void endRun(String runId, boolean ok, long endMillis) throws MlflowException {
    post("api/2.0/mlflow/runs/update", obj().put("run_id", runId).put("status", ok ? "FINISHED" : "FAILED").put("end_time", endMillis));
  }

  /**
   * Uploads one file as an artifact of the run, through the tracking server's artifact proxy
   * ({@code mlflow server --serve-artifacts}, the default). Returns false, uploading nothing, when
   * the run's artifacts are not served by the proxy (a store the trainer would need credentials of
   * its own for).
   */
  public boolean logArtifact(Run run, String fileName, byte[] content) throws MlflowException {
    String prefix = "mlflow-artifacts:/";
    if (!run.artifactUri().startsWith(prefix)) {
      return false;
    }
    String path = run.artifactUri().substring(prefix.length()).replaceAll("^/+", "") + "/" + fileName;
    send(HttpRequest.newBuilder(base.resolve("api/2.0/mlflow-artifacts/artifacts/" + path))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(content)), "PUT artifact " + fileName);
    return true;
  }

  /** The run ids of an experiment whose tag {@code key} is {@code value}, newest first. */
  public List<String> runsTagged(String experimentId, String key, String value) throws MlflowException {
    ObjectNode body = obj();
    body.putArray("experiment_ids").add(experimentId);
    body.put("filter", "tags.`" + key + "` = '" + value.replace("'", "\\'") + "'");
    body.put("max_results", 100);
    body.putArray("order_by").add("attributes.start_time DESC");
    List<String> ids = new ArrayList<>();
    for (JsonNode r : post("api/2.0/mlflow/runs/search", body).path("runs")) {
      ids.add(r.path("info").path("run_id").asText());
    }
    return ids;
  }

  /** A run's tags, params and metrics as MLflow keeps them (for tests and the operator's lineage). */
  public JsonNode run(String runId) throws MlflowException {
    return get("api/2.0/mlflow/runs/get?run_id=" + enc(runId)).path("run");
  }

  // ---- the registry ----

  /** Makes the registered model if it does not exist. */
  public void ensureRegisteredModel(String name, String description) throws MlflowException {
    try {
      post("api/2.0/mlflow/registered-models/create", obj().put("name", name).put("description", description));
    } catch (MlflowException e) {
      if (!"RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) {
        throw e;
      }
    }
  }

  /** A version of a registered model: its number, tags and aliases. */
  public record ModelVersion(String version, Map<String, String> tags, List<String> aliases) {}

  /** The versions of a registered model (at most 1000). */
  public List<ModelVersion> versions(String name) throws MlflowException {
    List<ModelVersion> out = new ArrayList<>();
    JsonNode found = get("api/2.0/mlflow/model-versions/search?max_results=1000&filter=" + enc("name='" + name.replace("'", "\\'") + "'"));
    for (JsonNode v : found.path("model_versions")) {
      Map<String, String> tags = new java.util.LinkedHashMap<>();
      v.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
      List<String> aliases = new ArrayList<>();
      v.path("aliases").forEach(a -> aliases.add(a.asText()));
      out.add(new ModelVersion(v.path("version").asText(), tags, aliases));
    }
    return out;
  }

  /** Registers a new version of {@code name} from {@code source} (linked to a run when one is given). */
  public String createVersion(String name, String source, Optional<String> runId, Map<String, String> tags, String description)
      throws MlflowException {
    ObjectNode body = obj().put("name", name).put("source", source).put("description", description);
    runId.ifPresent(r -> body.put("run_id", r));
    body.set("tags", pairs(tags));
    return post("api/2.0/mlflow/model-versions/create", body).path("model_version").path("version").asText();
  }

  public void setVersionTag(String name, String version, String key, String value) throws MlflowException {
    post("api/2.0/mlflow/model-versions/set-tag", obj().put("name", name).put("version", version).put("key", key).put("value", value));
  }

  /** Points {@code alias} at {@code version} (an alias names one version of a model: it moves). */
  public void setAlias(String name, String alias, String version) throws MlflowException {
    post("api/2.0/mlflow/registered-models/alias", obj().put("name", name).put("alias", alias).put("version", version));
  }

  /** The version an alias points at, if any. */
  public Optional<String> alias(String name, String alias) throws MlflowException {
    for (JsonNode a : get("api/2.0/mlflow/registered-models/get?name=" + enc(name)).path("registered_model").path("aliases")) {
      if (alias.equals(a.path("alias").asText())) {
        return Optional.of(a.path("version").asText());
      }
    }
    return Optional.empty();
  }

  // ---- HTTP ----

  private JsonNode get(String path) throws MlflowException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), "GET " + path.replaceAll("\\?.*", ""));
  }

  private JsonNode post(String path, ObjectNode body) throws MlflowException {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "POST " + path);
  }

  private JsonNode send(HttpRequest.Builder request, String call) throws MlflowException {
    HttpRequest r = request.timeout(Duration.ofSeconds(10)).build();
    MlflowException last = null;
    long wait = pause.toMillis();
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() / 100 == 2) {
          return answer.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(answer.body());
        }
        JsonNode error = parse(answer.body());
        String code = error.path("error_code").asText("");
        last = new MlflowException("MLflow " + base + ": " + call + " answered HTTP " + answer.statusCode()
            + (code.isEmpty() ? "" : " " + code) + ": " + error.path("message").asText(answer.body()), answer.statusCode(), code, null);
        if (answer.statusCode() < 500) {
          throw last; // a refusal: asking again would not change it
        }
      } catch (IOException e) {
        if (e instanceof MlflowException m) {
          throw m;
        }
        last = new MlflowException("MLflow " + base + " unreachable: " + call + ": "
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), 0, "", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MlflowException("interrupted: " + call, 0, "", e);
      }
      if (attempt < attempts) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw last;
        }
        wait *= 2;
      }
    }
    throw last;
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  private static ArrayNode pairs(Map<String, String> map) {
    ArrayNode a = JSON.createArrayNode();
    map.forEach((k, v) -> {
      if (v != null) {
        a.addObject().put("key", k).put("value", v);
      }
    });
    return a;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
