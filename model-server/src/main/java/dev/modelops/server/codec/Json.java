package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The server's JSON reading, with errors a client can act on; {@link #parse} for the JSON bodies of the endpoints. */
public final class Json {
  /** Deepest nesting of arrays and objects in a JSON body (a V2 request needs 5). */
  public static final int MAX_DEPTH = 100;
  /** Longest number, in characters (a double needs at most 25). */
  public static final int MAX_NUMBER_CHARS = 1_000;
  /** Longest key, in characters. */
  public static final int MAX_KEY_CHARS = 1_000;
  /** Longest string value, in characters. */
  public static final int MAX_STRING_CHARS = 1_000_000;

  /**
   * What every JSON parser of the server accepts, checked by Jackson as it reads (no extra pass):
   * the codecs' streaming parsers, the tree parser and Micronaut's own ObjectMapper.
   */
  public static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_DEPTH)
      .maxNumberLength(MAX_NUMBER_CHARS)
      .maxNameLength(MAX_KEY_CHARS)
      .maxStringLength(MAX_STRING_CHARS)
      .build();

  static final ObjectMapper MAPPER =
      new ObjectMapper(JsonFactory.builder().streamReadConstraints(LIMITS).build())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  /** For streaming reads: NaN and Infinity are read (then refused by name); numbers through Jackson's fast double parser. */
  static final JsonFactory STREAMING = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .streamReadConstraints(LIMITS)
      .build();

  private Json() {}

  /** The body's bytes (UTF-8, checked) as a tree, or a 400 naming the problem and where it is. */
  public static JsonNode parse(byte[] body) {
    if (body == null || isBlank(body)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the request body is empty; send a JSON record or an array of records");
    }
    JsonParser p = null;
    try {
      p = MAPPER.createParser(body);
      return MAPPER.readTree(p);
    } catch (IOException e) {
      throw malformed(e, p, null);
    } finally {
      if (p != null) {
        try {
          p.close();
        } catch (IOException ignored) {
          // a parser over bytes holds nothing to release
        }
      }
    }
  }

  /** {@link #parse(byte[])} for a body already decoded. */
  public static JsonNode parse(String body) {
    return parse(body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Gives Micronaut's own ObjectMapper the same limits, should it ever parse a body. */
  public static void limit(ObjectMapper mapper) {
    mapper.getFactory().setStreamReadConstraints(LIMITS);
  }

  /**
   * A body that cannot be read as JSON, the one 400 for it: what is wrong (a limit by name,
   * invalid UTF-8, the end reached too early, ...) and where, {@code where} (such as
   * {@code line 3}) then the path the parser was at ({@code [2].tenure}).
   */
  static ApiException malformed(IOException e, JsonParser p, String where) {
    String path = p == null ? "" : path(p.getParsingContext());
    String field = where == null ? (path.isEmpty() ? null : path) : where + (path.isEmpty() || path.startsWith("[") ? path : "." + path);
    JsonLocation at = e instanceof JsonProcessingException j && j.getLocation() != null ? j.getLocation() : p == null ? null : p.currentLocation();
    String prefix = where == null ? "" : where + ": ";
    String location = at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    String problem = e instanceof StreamConstraintsException c ? "JSON refused" + location + ": " + limitExceeded(c)
        : "malformed JSON" + location + ": " + message(e);
    return new ApiException(HttpStatus.BAD_REQUEST, field, prefix + problem);
  }

  /** Which of {@link #LIMITS} a body went past, in a client's words. */
  private static String limitExceeded(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage());
    if (m.startsWith("Document nesting depth")) {
      return "JSON nested deeper than " + MAX_DEPTH + " levels";
    } else if (m.startsWith("Number value length") || m.startsWith("Number length")) {
      return "a number longer than " + MAX_NUMBER_CHARS + " characters";
    } else if (m.startsWith("Name length")) {
      return "a key longer than " + MAX_KEY_CHARS + " characters";
    } else if (m.startsWith("String value length") || m.startsWith("String length")) {
      return "a string longer than " + MAX_STRING_CHARS + " characters";
    }
    return m.replaceAll(" \\(from `StreamReadConstraints[^)]*\\)", "");
  }

  /** Where a parser is, as the server names fields: {@code [2].tenure}, {@code inputs[3].data[0]}; long paths are cut. */
  private static String path(JsonStreamContext context) {
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.addFirst("[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        parts.addFirst(c.getCurrentName().length() > 64 ? c.getCurrentName().substring(0, 64) + "..." : c.getCurrentName());
      }
    }
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (String part : parts) {
      if (n++ == 6) {
        sb.append("...");
        break;
      }
      sb.append(sb.isEmpty() || part.startsWith("[") ? "" : ".").append(part);
    }
    return sb.toString();
  }

  static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
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
