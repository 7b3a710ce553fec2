package dev.modelops.server.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.RecordException;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The plain JSON API's records: a body of one JSON record (feature name to value, {@code null}
 * missing) or an array of them, to rows; answers {@code {"id","class","probability"}}, or an
 * array of them for an array.
 */
public final class JsonRecords {
  private JsonRecords() {}

  /**
   * The rows of a record or an array of records; {@code sizeCheck} sees the array's length
   * before any record is read. A bad record is a 400 naming it ({@code [3].tenure}).
   */
  public static Rows rows(JsonNode root, LoadedModel model, IntConsumer sizeCheck) {
    if (!root.isArray()) {
      Map<String, Object> record = Json.record(root, "body");
      return new Rows(new Object[][] {model.values(record)}, List.of(record));
    }
    if (root.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the array of records is empty");
    }
    sizeCheck.accept(root.size());
    List<Map<String, Object>> records = new ArrayList<>(root.size());
    Object[][] values = new Object[root.size()][];
    for (int i = 0; i < root.size(); i++) {
      Map<String, Object> r = Json.record(root.get(i), "[" + i + "]");
      records.add(r);
      try {
        values[i] = model.values(r);
      } catch (RecordException e) {
        throw new ApiException(HttpStatus.BAD_REQUEST, "[" + i + "]." + e.field(), "record " + i + ": " + e.getMessage());
      }
    }
    return new Rows(values, records);
  }

  /** The answer: one object for a record, an array for an array of records. */
  public static Object answer(Prediction[] out, boolean array) {
    if (!array) {
      return answer(out[0]);
    }
    List<Map<String, Object>> answers = new ArrayList<>(out.length);
    for (Prediction p : out) {
      answers.add(answer(p));
    }
    return answers;
  }

  /** The predictions of an answer as {@link #answer} writes it (another model server's, such as a shadow candidate's); an answer of another shape is an IllegalArgumentException. */
  public static Prediction[] readAnswer(byte[] body) {
    JsonNode root = Json.parse(body);
    JsonNode[] answers = root.isArray() ? new JsonNode[root.size()] : new JsonNode[] {root};
    for (int i = 0; root.isArray() && i < answers.length; i++) {
      answers[i] = root.get(i);
    }
    Prediction[] out = new Prediction[answers.length];
    for (int i = 0; i < answers.length; i++) {
      JsonNode a = answers[i];
      if (!a.path("class").isIntegralNumber() || !a.path("probability").isNumber()) {
        throw new IllegalArgumentException("answer " + i + " has no integer 'class' and number 'probability'");
      }
      out[i] = new Prediction(a.path("id").asText(null), a.path("class").asInt(), a.path("probability").asDouble());
    }
    return out;
  }

  private static Map<String, Object> answer(Prediction p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("class", p.predictedClass());
    m.put("probability", p.probability());
    return m;
  }
}
