package dev.modelops.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.Predictions;
import io.micronaut.http.HttpResponse;
import dev.modelops.server.limits.BodySizeLimit;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  private final BodySizeLimit limit;

  public InferenceV2Controller(LoadedModel model, Predictions predictions, ModelSettings settings, BodySizeLimit limit) {
    this.model = model;
    this.predictions = predictions;
    this.settings = settings;
    this.limit = limit;
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
  public HttpResponse<byte[]> infer(@PathVariable String name, @Body @io.micronaut.core.annotation.Nullable byte[] body) {
    return inferOf(name, null, body);
  }

  @Post("/models/{name}/versions/{version}/infer")
  @Consumes(MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> inferVersion(@PathVariable String name, @PathVariable String version, @Body @io.micronaut.core.annotation.Nullable byte[] body) {
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

  private HttpResponse<byte[]> inferOf(String name, String version, byte[] body) {
    checkModel(name, version);
    limit.check(body == null ? 0 : body.length);
    V2Request request = V2Request.parse(body);
    int rows = request.rows();
    if (rows > settings.maxBatchRows()) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "inputs", rows + " rows in one request; at most " + settings.maxBatchRows());
    }
    List<Feature> features = model.features();
    Object[][] values = new Object[rows][features.size()];
    for (int c = 0; c < features.size(); c++) {
      Feature f = features.get(c);
      List<Object> data = request.inputs().get(f.name());
      if (data == null) {
        throw new ApiException(HttpStatus.BAD_REQUEST, f.name(), "missing input tensor '" + f.name() + "'; inputs are one tensor per feature: " + features.stream().map(Feature::name).toList());
      }
      for (int r = 0; r < rows; r++) {
        try {
          values[r][c] = Scorer.convert(f, data.get(r));
        } catch (RecordException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, f.name(), "row " + r + ": " + e.getMessage());
        }
      }
    }
    Prediction[] out = predictions.predict(Rows.of(values));
    return HttpResponse.ok(response(request.id(), out)).contentType(MediaType.APPLICATION_JSON_TYPE);
  }

  /** The inference response, written straight to bytes: outputs "probability" (FP64) and "predicted_class" (INT64). */
  private byte[] response(String id, Prediction[] out) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(128 + out.length * 24);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      g.writeStringField("model_name", model.name());
      g.writeStringField("model_version", Integer.toString(model.version()));
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (int o = 0; o < 2; o++) {
        g.writeStartObject();
        g.writeStringField("name", o == 0 ? "probability" : "predicted_class");
        g.writeStringField("datatype", o == 0 ? "FP64" : "INT64");
        g.writeArrayFieldStart("shape");
        g.writeNumber(out.length);
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (Prediction p : out) {
          if (o == 0) {
            g.writeNumber(p.probability());
          } else {
            g.writeNumber(p.predictedClass());
          }
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
