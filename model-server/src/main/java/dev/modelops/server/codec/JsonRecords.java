package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.RecordException;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
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
    if (fields.kind() == dev.modelops.bundle.ModelKind.BINARY) {
      return readBinaryAnswer(body); // the common case, read as a stream
    }
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

  /**
   * A binary model's answer as {@link #answer} writes it, read as a stream; an answer of another
   * shape is an IllegalArgumentException.
   */
  private static Prediction[] readBinaryAnswer(byte[] body) {
    try (JsonParser p = Json.STREAMING.createParser(body)) {
      JsonToken t = p.nextToken();
      List<Prediction> out = new ArrayList<>();
      boolean whole = false;
      if (t == JsonToken.START_OBJECT) {
        out.add(readAnswer(p));
        whole = true;
      } else if (t == JsonToken.START_ARRAY) {
        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
          out.add(readAnswer(p));
        }
        whole = t == JsonToken.END_ARRAY;
      }
      if (out.isEmpty() || !whole) {
        throw new IllegalArgumentException("not an answer or an array of answers");
      }
      return out.toArray(new Prediction[0]);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Prediction readAnswer(JsonParser p) throws IOException {
    String id = null;
    Integer predicted = null;
    Double probability = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "id" -> id = p.getValueAsString();
        case "class" -> predicted = v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
        case "probability" -> probability = v.isNumeric() ? p.getDoubleValue() : null;
        default -> p.skipChildren();
      }
    }
    if (predicted == null || probability == null) {
      throw new IllegalArgumentException("an answer without an integer 'class' and a number 'probability'");
    }
    return new Prediction(id, predicted, probability);
  }
}
