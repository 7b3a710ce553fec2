package dev.modelops.server.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.RecordException;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The plain JSON API's records: a body of one JSON record (feature name to value, {@code null}
 * missing) or an array of them, to rows; answers with the fields of the model's kind
 * ({@link AnswerFields}), such as {@code {"id","class","probability"}}, or an array of them for an array.
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
  public static Object answer(Prediction[] out, boolean array, AnswerFields fields) {
    if (!array) {
      return fields.json(out[0]);
    }
    List<Map<String, Object>> answers = new ArrayList<>(out.length);
    for (Prediction p : out) {
      answers.add(fields.json(p));
    }
    return answers;
  }

  /**
   * The predictions of an answer as {@link #answer} writes it for a model of this kind (another
   * model server's, such as a shadow candidate's); a multi-class class this model does not know
   * reads as class -1. An answer of another shape is an IllegalArgumentException.
   */
  public static Prediction[] readAnswer(byte[] body, AnswerFields fields) {
    JsonNode root = Json.parse(body);
    JsonNode[] answers = root.isArray() ? new JsonNode[root.size()] : new JsonNode[] {root};
    for (int i = 0; root.isArray() && i < answers.length; i++) {
      answers[i] = root.get(i);
    }
    Prediction[] out = new Prediction[answers.length];
    for (int i = 0; i < answers.length; i++) {
      JsonNode a = answers[i];
      String id = a.path("id").asText(null);
      out[i] = switch (fields.kind()) {
        case BINARY -> {
          if (!a.path("class").isIntegralNumber() || !a.path("probability").isNumber()) {
            throw new IllegalArgumentException("answer " + i + " has no integer 'class' and number 'probability'");
          }
          yield new Prediction(id, a.path("class").asInt(), a.path("probability").asDouble());
        }
        case REGRESSION -> {
          if (!a.path("value").isNumber()) {
            throw new IllegalArgumentException("answer " + i + " has no number 'value'");
          }
          yield Prediction.ofValue(id, a.path("value").asDouble());
        }
        case MULTICLASS -> {
          if (!a.path("class").isTextual()) {
            throw new IllegalArgumentException("answer " + i + " has no string 'class'");
          }
          yield fields.classOnly(id, a.path("class").asText());
        }
      };
    }
    return out;
  }
}
