package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An Open Inference Protocol V2 inference request, read in one streaming pass over the body's
 * bytes: tensor elements go straight to Java values, with no JSON tree in between (a V2 request
 * spells out a name, shape and datatype per feature, so it is several times the size of the same
 * record sent to /v1/predict, and a tree would cost more than the prediction). Fields the server
 * does not use ({@code parameters}, {@code outputs}, a tensor's {@code shape} and
 * {@code datatype}) are skipped; elements are checked against the features later, by the caller.
 *
 * @param id the request's id, echoed in the answer, or null
 * @param inputs tensor name to its elements, flattened ([N] and [N, 1] alike)
 */
public record V2Request(String id, Map<String, List<Object>> inputs, int rows) {

  public static V2Request parse(byte[] body) {
    if (body == null || Json.isBlank(body)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the request body is empty; send an inference request: {\"inputs\": [tensor, ...]}");
    }
    JsonParser parser = null;
    try (JsonParser p = Json.STREAMING.createParser(body)) {
      parser = p;
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ApiException(HttpStatus.BAD_REQUEST, null, "an inference request is a JSON object with an inputs array, got " + Json.describe(p.currentToken()));
      }
      String id = null;
      Map<String, List<Object>> inputs = null;
      int rows = -1;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("id") && value != JsonToken.VALUE_NULL) {
          if (!value.isScalarValue()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "id", "id must be a string, got " + Json.describe(value));
          }
          id = p.getValueAsString();
        } else if (field.equals("inputs")) {
          if (value != JsonToken.START_ARRAY) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "inputs", "inputs must be a non-empty array of tensors, one per feature, got " + Json.describe(value));
          }
          inputs = new HashMap<>(64);
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            Tensor t = tensor(p, i);
            if (rows >= 0 && t.data.size() != rows) {
              throw new ApiException(HttpStatus.BAD_REQUEST, t.name, "input '" + t.name + "' has " + t.data.size() + " elements but the others have " + rows);
            }
            rows = t.data.size();
            if (inputs.put(t.name, t.data) != null) {
              throw new ApiException(HttpStatus.BAD_REQUEST, "inputs[" + i + "].name", "input '" + t.name + "' is given twice");
            }
            i++;
          }
        } else {
          p.skipChildren();
        }
      }
      if (inputs == null || inputs.isEmpty()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, "inputs", "inputs must be a non-empty array of tensors, one per feature");
      }
      if (rows == 0) {
        throw new ApiException(HttpStatus.BAD_REQUEST, "inputs", "the input tensors are empty");
      }
      return new V2Request(id, inputs, rows);
    } catch (IOException e) {
      throw Json.malformed(e, parser, null);
    }
  }

  private record Tensor(String name, List<Object> data) {}

  /** Reads one tensor object, {@code inputs[index]}; the parser is on its START_OBJECT. */
  private static Tensor tensor(JsonParser p, int index) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      String where = "inputs[" + index + "]";
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be a tensor object with a name and data, got " + Json.describe(p.currentToken()));
    }
    String name = null;
    List<Object> data = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("name") && value == JsonToken.VALUE_STRING) {
        name = p.getText();
      } else if (field.equals("data")) {
        data = data(p, index);
      } else {
        p.skipChildren();
      }
    }
    if (name == null) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "inputs[" + index + "].name", "every input tensor needs a name (a feature name)");
    }
    if (data == null) {
      String where = "inputs[" + index + "].data";
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be an array");
    }
    return new Tensor(name, data);
  }

  /** A tensor's elements, {@code inputs[index].data}: a flat array, or rows of exactly one element (shape [N, 1]). */
  private static List<Object> data(JsonParser p, int index) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      String where = "inputs[" + index + "].data";
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be an array, got " + Json.describe(p.currentToken()));
    }
    List<Object> out = new ArrayList<>(4);
    int nested = -1; // unknown until the first element: 1 for rows [x], 0 for plain elements
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      int row = t == JsonToken.START_ARRAY ? 1 : 0;
      if (nested < 0) {
        nested = row;
      } else if (nested != row) {
        String where = "inputs[" + index + "].data";
        throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " mixes rows and plain elements; use shape [N] or [N, 1]");
      }
      if (row == 1) {
        t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
          throw oneElementRows(index);
        }
        out.add(element(p, t, index, out.size()));
        if (p.nextToken() != JsonToken.END_ARRAY) {
          throw oneElementRows(index);
        }
      } else {
        out.add(element(p, t, index, out.size()));
      }
    }
    return out;
  }

  private static ApiException oneElementRows(int index) {
    String where = "inputs[" + index + "].data";
    return new ApiException(HttpStatus.BAD_REQUEST, where, where + " rows must have exactly one element (shape [N, 1])");
  }

  private static Object element(JsonParser p, JsonToken t, int index, int element) throws IOException {
    Object v = Json.scalar(p, t);
    if (v == Json.NOT_SCALAR) {
      String where = "inputs[" + index + "].data[" + element + "]";
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + ": must be a number, a string or null, got " + Json.describe(t));
    }
    return v;
  }

}
