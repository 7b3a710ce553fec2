package dev.modelops.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.server.feedback.FeedbackTracker;
import dev.modelops.server.limits.BodySizeLimit;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.Predictions;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plain JSON API: POST /v1/predict with one record or an array, POST /v1/feedback. */
@Controller("/v1")
public class PredictController {
  private final LoadedModel model;
  private final Predictions predictions;
  private final ModelSettings settings;
  private final BodySizeLimit limit;
  private final FeedbackTracker feedback;

  public PredictController(LoadedModel model, Predictions predictions, ModelSettings settings, BodySizeLimit limit, FeedbackTracker feedback) {
    this.feedback = feedback;
    this.model = model;
    this.predictions = predictions;
    this.settings = settings;
    this.limit = limit;
  }

  @Post("/predict")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Object predict(@Body @io.micronaut.core.annotation.Nullable String body) {
    limit.check(body == null ? 0 : body.length());
    JsonNode root = Json.parse(body);
    model.bundle();
    if (root.isArray()) {
      if (root.isEmpty()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, null, "the array of records is empty");
      }
      if (root.size() > settings.maxBatchRows()) {
        throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null,
            root.size() + " records in one request; at most " + settings.maxBatchRows() + " (model.max-batch-rows): use /v1/predict/batch for more");
      }
      List<Map<String, Object>> records = new ArrayList<>(root.size());
      Object[][] values = new Object[root.size()][];
      for (int i = 0; i < root.size(); i++) {
        Map<String, Object> r = Json.record(root.get(i), "[" + i + "]");
        records.add(r);
        try {
          values[i] = model.values(r);
        } catch (dev.modelops.bundle.RecordException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, "[" + i + "]." + e.field(), "record " + i + ": " + e.getMessage());
        }
      }
      List<Map<String, Object>> out = new ArrayList<>();
      for (Prediction p : predictions.predict(new Rows(values, records))) {
        out.add(answer(p));
      }
      return out;
    }
    Map<String, Object> record = Json.record(root, "body");
    return answer(predictions.predict(new Rows(new Object[][] {model.values(record)}, List.of(record)))[0]);
  }

  static Map<String, Object> answer(Prediction p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("class", p.predictedClass());
    m.put("probability", p.probability());
    return m;
  }

  /**
   * True labels for earlier predictions: {"id": ..., "label": 0|1|true|false|"<class value>"} or
   * an array of them. Answers how many were joined and which ids were unknown (or too old).
   */
  @Post("/feedback")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> feedback(@Body @io.micronaut.core.annotation.Nullable String body) {
    limit.check(body == null ? 0 : body.length());
    JsonNode root = Json.parse(body);
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(items::add);
    } else {
      items.add(root);
    }
    if (items.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the array of feedback is empty");
    }
    String positive = model.bundle().manifest().positiveClass();
    int[] labels = new int[items.size()];
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String where = root.isArray() ? "[" + i + "]" : "";
      if (!item.isObject() || !item.path("id").isTextual()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "id", "feedback " + i + " needs a string id (from a prediction)");
      }
      JsonNode label = item.get("label");
      if (label == null || label.isNull()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "label", "feedback " + i + " needs a label");
      } else if (label.isBoolean()) {
        labels[i] = label.asBoolean() ? 1 : 0;
      } else if (label.isNumber() && (label.asDouble() == 0 || label.asDouble() == 1)) {
        labels[i] = label.asInt();
      } else if (label.isTextual()) {
        labels[i] = positive.equals(label.asText()) ? 1 : 0;
      } else {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "label",
            "feedback " + i + ": label must be 0, 1, true, false or a class value (positive class '" + positive + "')");
      }
    }
    List<String> unknown = new ArrayList<>();
    int accepted = 0;
    for (int i = 0; i < items.size(); i++) {
      String id = items.get(i).get("id").asText();
      if (feedback.join(id, labels[i])) {
        accepted++;
      } else {
        unknown.add(id);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accepted", accepted);
    out.put("unknown", unknown);
    out.put("liveAccuracy", feedback.liveAccuracy());
    return out;
  }
}
