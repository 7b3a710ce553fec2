package dev.modelops.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads Universal Binary JSON (UBJSON, big-endian), the format of XGBoost's {@code .ubj} model
 * files, into a Jackson tree. Float32 values stay float32 ({@code FloatNode}), so split
 * thresholds and leaf values reach the evaluator without a decimal round trip. Covers the
 * whole UBJSON draft 12 value set, including optimised containers ({@code $} type, {@code #}
 * count); high-precision numbers are read as decimals.
 */
final class UniversalBinaryJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 64;

  private final ByteBuffer in;

  private UniversalBinaryJson(byte[] bytes) {
    this.in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
  }

  /** Parses one UBJSON value that spans the whole input. */
  static JsonNode parse(byte[] bytes) {
    UniversalBinaryJson reader = new UniversalBinaryJson(bytes);
    try {
      JsonNode root = reader.value(reader.marker(), 0);
      if (reader.in.hasRemaining()) {
        throw new IllegalArgumentException("unexpected bytes after the top-level value at offset " + reader.in.position());
      }
      return root;
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated UBJSON (ends inside a value)");
    }
  }

  private byte marker() {
    byte m;
    do {
      m = in.get();
    } while (m == 'N'); // no-op
    return m;
  }

  private JsonNode value(byte marker, int depth) {
    return switch (marker) {
      case 'Z' -> NODES.nullNode();
      case 'T' -> NODES.booleanNode(true);
      case 'F' -> NODES.booleanNode(false);
      case 'i', 'U', 'I', 'l', 'L' -> NODES.numberNode(integer(marker));
      case 'd' -> NODES.numberNode(in.getFloat());
      case 'D' -> NODES.numberNode(in.getDouble());
      case 'H' -> NODES.numberNode(new java.math.BigDecimal(string()));
      case 'C' -> NODES.textNode(String.valueOf((char) (in.get() & 0xff)));
      case 'S' -> NODES.textNode(string());
      case '[' -> array(depth + 1);
      case '{' -> object(depth + 1);
      default -> throw new IllegalArgumentException(
          "unknown UBJSON marker 0x" + Integer.toHexString(marker & 0xff) + " at offset " + (in.position() - 1));
    };
  }

  private long integer(byte marker) {
    return switch (marker) {
      case 'i' -> in.get();
      case 'U' -> in.get() & 0xff;
      case 'I' -> in.getShort();
      case 'l' -> in.getInt();
      case 'L' -> in.getLong();
      default -> throw new IllegalArgumentException(
          "expected an integer marker, got 0x" + Integer.toHexString(marker & 0xff) + " at offset " + (in.position() - 1));
    };
  }

  private int length() {
    long n = integer(marker());
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("invalid length " + n + " at offset " + in.position());
    }
    return (int) n;
  }

  private String string() {
    int n = length();
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** The optional {@code $type} and {@code #count} header of an optimised container. */
  private record Header(byte type, int count, byte next) {}

  private Header header() {
    byte type = 0;
    int count = -1;
    byte m = in.get();
    if (m == '$') {
      type = in.get();
      m = in.get();
      if (m != '#') {
        throw new IllegalArgumentException("a typed UBJSON container needs a count at offset " + (in.position() - 1));
      }
    }
    if (m == '#') {
      count = length();
      return new Header(type, count, (byte) 0);
    }
    return new Header(type, count, m);
  }

  private JsonNode array(int depth) {
    checkDepth(depth);
    ArrayNode out = NODES.arrayNode();
    Header h = header();
    if (h.count() >= 0) {
      for (int i = 0; i < h.count(); i++) {
        out.add(value(h.type() != 0 ? h.type() : marker(), depth));
      }
      return out;
    }
    byte m = h.next();
    while (m == 'N') {
      m = in.get();
    }
    while (m != ']') {
      out.add(value(m, depth));
      m = marker();
    }
    return out;
  }

  private JsonNode object(int depth) {
    checkDepth(depth);
    ObjectNode out = NODES.objectNode();
    Header h = header();
    if (h.count() >= 0) {
      for (int i = 0; i < h.count(); i++) {
        String key = string();
        out.set(key, value(h.type() != 0 ? h.type() : marker(), depth));
      }
      return out;
    }
    byte m = h.next();
    while (m != '}') {
      in.position(in.position() - 1); // m was the key's length marker
      String key = string();
      out.set(key, value(marker(), depth));
      m = marker();
    }
    return out;
  }

  private static void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("UBJSON nested deeper than " + MAX_DEPTH + " levels");
    }
  }
}
