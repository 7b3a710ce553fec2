package dev.modelops.server.http;

import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.codec.V2Codec;
import dev.modelops.server.codec.V2Request;
import dev.modelops.server.limits.BodySizeLimit;
import dev.modelops.server.limits.RowLimit;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.Predictions;
import dev.modelops.server.scoring.RequestIds;
import dev.modelops.server.shadow.ShadowMirror;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol V2 (the REST protocol of KServe, Triton and MLServer). Inputs are
 * one tensor per feature, named after it, of shape [N] or [N, 1]: FP32/FP64/INT* for numeric
 * features, BYTES (strings) for categorical and text ones; null elements are missing values.
 * Outputs are those of the model's kind ({@link AnswerFields}): binary "probability" (FP64, the
 * positive class) and "predicted_class" (INT64); regression "value" (FP64 [N]); multi-class
 * "class" (BYTES [N], the label) and "probabilities" (FP64 [N, K], in the order of the classes).
 */
@Controller("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class InferenceV2Controller {
  private final LoadedModel model;
  private final Predictions predictions;
  private final BodySizeLimit limit;
  private final RowLimit rowLimit;

  private final Drain drain;
  private final CandidateIds ids;
  private final ShadowMirror shadow;

  public InferenceV2Controller(LoadedModel model, Predictions predictions, BodySizeLimit limit, RowLimit rowLimit, Drain drain, CandidateIds ids,
      ShadowMirror shadow) {
    this.model = model;
    this.ids = ids;
    this.shadow = shadow;
    this.drain = drain;
    this.predictions = predictions;
    this.limit = limit;
    this.rowLimit = rowLimit;
  }

  @Get
  public Map<String, Object> server() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "modelops-model-server");
    m.put("version", "0.1.0");
    m.put("extensions", List.of());
    return m;
  }

  @Get("/health/live")
  public Map<String, Object> live() {
    return Map.of("live", true);
  }

  /** Ready once the model is loaded, until the Pod starts stopping ({@link Drain}). */
  @Get("/health/ready")
  public HttpResponse<Map<String, Object>> ready() {
    boolean ready = model.ready() && !drain.draining();
    Map<String, Object> body = drain.draining() ? Map.of("ready", false, "draining", true) : Map.of("ready", ready);
    return HttpResponse.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
  }

  @Get("/models/{name}")
  public Map<String, Object> metadata(@PathVariable String name) {
    return metadataOf(name, null);
  }

  @Get("/models/{name}/versions/{version}")
  public Map<String, Object> metadataVersion(@PathVariable String name, @PathVariable String version) {
    return metadataOf(name, version);
  }

  @Get("/models/{name}/ready")
  public HttpResponse<Map<String, Object>> modelReady(@PathVariable String name) {
    return readyOf(name, null);
  }

  @Get("/models/{name}/versions/{version}/ready")
  public HttpResponse<Map<String, Object>> modelVersionReady(@PathVariable String name, @PathVariable String version) {
    return readyOf(name, version);
  }

  @Post("/models/{name}/infer")
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> infer(HttpRequest<?> request, @PathVariable String name, @Header(RequestIds.HEADER) @Nullable String firstId,
      @Body @Nullable byte[] body) {
    return inferOf(request, name, null, firstId, body);
  }

  @Post("/models/{name}/versions/{version}/infer")
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> inferVersion(@PathVariable String name, @PathVariable String version, @Header(RequestIds.HEADER) @Nullable String firstId,
      @Body @Nullable byte[] body) {
    return inferOf(null, name, version, firstId, body);
  }

  private void checkModel(String name, String version) {
    if (!model.ready()) {
      throw new LoadedModel.ModelNotReadyException(model.problem());
    }
    if (!model.name().equals(name)) {
      throw new ApiException(HttpStatus.NOT_FOUND, "model_name", "unknown model '" + name + "'; this server serves '" + model.name() + "'");
    }
    if (version != null && !version.equals(Integer.toString(model.version()))) {
      throw new ApiException(HttpStatus.NOT_FOUND, "model_version",
          "unknown version '" + version + "' of model '" + name + "'; this server serves version " + model.version());
    }
  }

  private Map<String, Object> metadataOf(String name, String version) {
    checkModel(name, version);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", model.name());
    m.put("versions", List.of(Integer.toString(model.version())));
    m.put("platform", "xgboost");
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (Feature f : model.features()) {
      inputs.add(AnswerFields.tensor(f.name(), f.type() == FeatureType.NUMERIC ? "FP64" : "BYTES", List.of(-1)));
    }
    m.put("inputs", inputs);
    m.put("outputs", AnswerFields.of(model.kind(), model.classes()).v2Metadata());
    return m;
  }

  private HttpResponse<Map<String, Object>> readyOf(String name, String version) {
    if (!model.ready()) {
      return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("name", name, "ready", false));
    }
    checkModel(name, version);
    return HttpResponse.ok(Map.of("name", name, "ready", true));
  }

  /**
   * Scores a V2 request. {@code http} is given on the unversioned route only: there a canary's
   * share of requests is answered by the candidate (another version of the model); a caller who
   * names the version gets that version's answer.
   */
  private HttpResponse<byte[]> inferOf(HttpRequest<?> http, String name, String version, String firstId, byte[] body) {
    checkModel(name, version);
    limit.check(body == null ? 0 : body.length);
    V2Request request = V2Request.parse(body);
    rowLimit.tensorRows(request.rows());
    Prediction[] out = predictions.predict(V2Codec.rows(request, model.features()), ids.of(firstId));
    // The candidate serves another version of the model: its unversioned route.
    AnswerFields fields = AnswerFields.of(model.kind(), model.classes());
    String path = "v2/models/" + name + "/infer";
    java.util.concurrent.CompletableFuture<byte[]> canary = http == null ? null
        : shadow.canary(path, MediaType.APPLICATION_JSON, body, out, b -> V2Codec.readResponse(b, fields));
    if (canary != null) {
      http.setAttribute(CanaryFilter.ANSWER, canary); // the filter waits for it
    } else {
      shadow.mirror(path, MediaType.APPLICATION_JSON, body, out, b -> V2Codec.readResponse(b, fields));
    }
    return HttpResponse.ok(V2Codec.response(model.name(), model.version(), request.id(), out, fields)).contentType(MediaType.APPLICATION_JSON_TYPE);
  }
}
