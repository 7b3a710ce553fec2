package dev.modelops.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
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
 * Outputs are "probability" (FP64, the positive class) and "predicted_class" (INT64).
 */
@Controller("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class InferenceV2Controller {
  private final LoadedModel model;
  private final Predictions predictions;
  private final ModelSettings settings;

  public InferenceV2Controller(LoadedModel model, Predictions predictions, ModelSettings settings) {
    this.model = model;
    this.predictions = predictions;
    this.settings = settings;
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

  @Get("/health/ready")
  public HttpResponse<Map<String, Object>> ready() {
    return HttpResponse.status(model.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("ready", model.ready()));
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
  public Map<String, Object> infer(@PathVariable String name, @Body String body) {
    return inferOf(name, null, body);
  }

  @Post("/models/{name}/versions/{version}/infer")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> inferVersion(@PathVariable String name, @PathVariable String version, @Body String body) {
    return inferOf(name, version, body);
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
      inputs.add(tensor(f.name(), f.type() == FeatureType.NUMERIC ? "FP64" : "BYTES"));
    }
    m.put("inputs", inputs);
    m.put("outputs", List.of(tensor("probability", "FP64"), tensor("predicted_class", "INT64")));
    return m;
  }

  private static Map<String, Object> tensor(String name, String datatype) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("datatype", datatype);
    t.put("shape", List.of(-1));
    return t;
  }

  private HttpResponse<Map<String, Object>> readyOf(String name, String version) {
    if (!model.ready()) {
      return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("name", name, "ready", false));
    }
    checkModel(name, version);
    return HttpResponse.ok(Map.of("name", name, "ready", true));
  }

  private Map<String, Object> inferOf(String name, String version, String body) {
    checkModel(name, version);
    JsonNode root = Json.parse(body);
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "inputs", "inputs must be a non-empty array of tensors, one per feature");
    }
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    int rows = -1;
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode t = inputs.get(i);
      String tname = t.path("name").asText(null);
      if (tname == null) {
        throw new ApiException(HttpStatus.BAD_REQUEST, "inputs[" + i + "].name", "every input tensor needs a name (a feature name)");
      }
      JsonNode data = flatten(t.get("data"), "inputs[" + i + "].data");
      if (rows >= 0 && data.size() != rows) {
        throw new ApiException(HttpStatus.BAD_REQUEST, tname, "input '" + tname + "' has " + data.size() + " elements but the others have " + rows);
      }
      rows = data.size();
      byName.put(tname, data);
    }
    if (rows == 0) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "inputs", "the input tensors are empty");
    }
    if (rows > settings.maxBatchRows()) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "inputs", rows + " rows in one request; at most " + settings.maxBatchRows());
    }
    List<Feature> features = model.features();
    for (Feature f : features) {
      if (!byName.containsKey(f.name())) {
        throw new ApiException(HttpStatus.BAD_REQUEST, f.name(), "missing input tensor '" + f.name() + "'; inputs are one tensor per feature: " + features.stream().map(Feature::name).toList());
      }
    }
    Object[][] values = new Object[rows][features.size()];
    for (int c = 0; c < features.size(); c++) {
      Feature f = features.get(c);
      JsonNode data = byName.get(f.name());
      for (int r = 0; r < rows; r++) {
        try {
          values[r][c] = Scorer.convert(f, Json.value(data.get(r), f.name()));
        } catch (RecordException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, f.name(), "row " + r + ": " + e.getMessage());
        }
      }
    }
    Predictions.Prediction[] out = predictions.predictAll(values, null);
    double[] probability = new double[rows];
    long[] cls = new long[rows];
    for (int r = 0; r < rows; r++) {
      probability[r] = out[r].probability();
      cls[r] = out[r].predictedClass();
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("model_name", model.name());
    response.put("model_version", Integer.toString(model.version()));
    if (root.hasNonNull("id")) {
      response.put("id", root.get("id").asText());
    }
    response.put("outputs", List.of(output("probability", "FP64", probability), output("predicted_class", "INT64", cls)));
    return response;
  }

  private static Map<String, Object> output(String name, String datatype, Object data) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("datatype", datatype);
    t.put("shape", List.of(java.lang.reflect.Array.getLength(data)));
    t.put("data", data);
    return t;
  }

  /** Tensor data may be flat or nested ([N, 1]); returns the flat elements. */
  private static JsonNode flatten(JsonNode data, String where) {
    if (data == null || !data.isArray()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be an array");
    }
    boolean nested = data.size() > 0 && data.get(0).isArray();
    if (!nested) {
      return data;
    }
    com.fasterxml.jackson.databind.node.ArrayNode flat = Json.MAPPER.createArrayNode();
    for (JsonNode row : data) {
      if (!row.isArray() || row.size() != 1) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " rows must have exactly one element (shape [N, 1])");
      }
      flat.add(row.get(0));
    }
    return flat;
  }
}
