package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** The server's JSON reading, with errors a client can act on; {@link #parse} for the JSON bodies of the endpoints. */
public final class Json {
  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  /** For streaming reads: NaN and Infinity are read (then refused by name); numbers through Jackson's fast double parser. */
  static final com.fasterxml.jackson.core.JsonFactory STREAMING = com.fasterxml.jackson.core.JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .build();

  private Json() {}

  public static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the request body is empty; send a JSON record or an array of records");
    }
    try {
      return MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null,
          "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    }
  }

  /** A JSON object as a record: numbers as Double, strings, booleans, null; nested values refused. */
  static Map<String, Object> record(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be a JSON object of feature name to value, got " + node.getNodeType().toString().toLowerCase());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue(), e.getKey())));
    return out;
  }

  private static Object value(JsonNode v, String field) {
    if (v.isNull()) {
      return null;
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    throw new ApiException(HttpStatus.BAD_REQUEST, field, field + ": must be a number, a string or null, got " + v.getNodeType().toString().toLowerCase());
  }

  /** What {@link #scalar} answers for an object or an array. */
  static final Object NOT_SCALAR = new Object();

  /** The value of a scalar token (numbers as Double, strings, booleans, null), or {@link #NOT_SCALAR}. */
  static Object scalar(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken t) throws java.io.IOException {
    return switch (t) {
      case VALUE_NULL -> null;
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_STRING -> p.getText();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> NOT_SCALAR;
    };
  }

  /** A parse error's message without Jackson's location suffix (error messages name the row themselves). */
  static String message(java.io.IOException e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  /** A token as a client would name it: "an object", "a number", ... */
  static String describe(com.fasterxml.jackson.core.JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }
}
