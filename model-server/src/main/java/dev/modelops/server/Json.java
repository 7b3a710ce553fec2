package dev.modelops.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** The server's JSON parsing, with errors a client can act on. */
final class Json {
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

  static JsonNode parse(String body) {
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

  static Object value(JsonNode v, String field) {
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
}
