package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.ModelBundle;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pathological JSON (deep nesting, huge numbers, keys and strings, invalid UTF-8, truncation)
 * sent to every JSON endpoint: each is a 4xx in the server's error shape naming the problem,
 * and the server keeps answering.
 */
class PathologicalJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final int BODY_LIMIT = 4 << 20;

  @TempDir static Path tmp;
  static EmbeddedServer server;
  static String base;
  static Map<String, Object> record;

  @BeforeAll
  static void start() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    record = ServerApiTest.churnRecords(ModelBundle.read(bundle)).get(0);
    server = ApplicationContext.run(EmbeddedServer.class, Map.of(
        "micronaut.server.port", -1,
        "model.bundle", bundle.toString(),
        "model.max-json-bytes", BODY_LIMIT));
    base = "http://127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.getApplicationContext().close();
    }
  }

  static HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType).timeout(java.time.Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** The record with one feature's value replaced by raw JSON bytes. */
  static byte[] recordWith(String feature, byte[] raw) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>(record);
    r.put(feature, "@@");
    String[] halves = JSON.writeValueAsString(r).split("\"@@\"");
    return concat(utf8(halves[0]), raw, utf8(halves[1]));
  }

  /** The record with one more key. */
  static byte[] recordWithKey(String key) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>(record);
    r.put(key, 1);
    return utf8(JSON.writeValueAsString(r));
  }

  /** A V2 request for the record, one feature's data element replaced by raw JSON bytes. */
  static byte[] v2With(String feature, byte[] raw) throws Exception {
    List<byte[]> parts = new ArrayList<>();
    parts.add(utf8("{\"inputs\":["));
    boolean first = true;
    for (Map.Entry<String, Object> e : record.entrySet()) {
      boolean numeric = e.getValue() instanceof Double || e.getKey().equals("total_charges");
      parts.add(utf8((first ? "" : ",") + "{\"name\":\"%s\",\"shape\":[1],\"datatype\":\"%s\",\"data\":[".formatted(e.getKey(), numeric ? "FP64" : "BYTES")));
      parts.add(e.getKey().equals(feature) ? raw : utf8(JSON.writeValueAsString(e.getValue())));
      parts.add(utf8("]}"));
      first = false;
    }
    parts.add(utf8("]}"));
    return concat(parts.toArray(byte[][]::new));
  }

  /** A JSON endpoint: how a value where a number is expected, a string where a category is, and one more key are sent to it. */
  record Endpoint(String name, String path, String contentType, Function<byte[], byte[]> number, Function<byte[], byte[]> category,
      Function<String, byte[]> key, Function<byte[], byte[]> ignored, byte[] good) {}

  interface Body {
    byte[] of(byte[] raw) throws Exception;
  }

  static Function<byte[], byte[]> f(Body b) {
    return raw -> {
      try {
        return b.of(raw);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  static List<Endpoint> endpoints() throws Exception {
    byte[] one = utf8(JSON.writeValueAsString(record));
    return List.of(
        new Endpoint("predict record", "/v1/predict", "application/json", f(raw -> recordWith("tenure", raw)), f(raw -> recordWith("contract", raw)),
            k -> f(raw -> recordWithKey(k)).apply(null), f(raw -> recordWith("note", raw)), one),
        new Endpoint("predict array", "/v1/predict", "application/json",
            f(raw -> concat(utf8("["), one, utf8(","), recordWith("tenure", raw), utf8("]"))),
            f(raw -> concat(utf8("["), one, utf8(","), recordWith("contract", raw), utf8("]"))),
            k -> f(raw -> concat(utf8("["), one, utf8(","), recordWithKey(k), utf8("]"))).apply(null),
            f(raw -> concat(utf8("["), one, utf8(","), recordWith("note", raw), utf8("]"))), concat(utf8("["), one, utf8("]"))),
        new Endpoint("feedback", "/v1/feedback", "application/json",
            f(raw -> concat(utf8("{\"id\":\"some-id\",\"label\":"), raw, utf8("}"))),
            f(raw -> concat(utf8("{\"id\":"), raw, utf8(",\"label\":1}"))),
            k -> utf8("{\"id\":\"some-id\",\"" + k + "\":0,\"label\":1}"),
            f(raw -> concat(utf8("{\"id\":\"some-id\",\"note\":"), raw, utf8(",\"label\":1}"))), utf8("{\"id\":\"some-id\",\"label\":1}")),
        new Endpoint("v2 infer", "/v2/models/churn/infer", "application/json", f(raw -> v2With("tenure", raw)), f(raw -> v2With("contract", raw)),
            k -> f(raw -> concat(utf8("{\"" + k + "\":1,"), java.util.Arrays.copyOfRange(v2With("tenure", utf8("1")), 1, v2With("tenure", utf8("1")).length))).apply(null),
            f(raw -> concat(utf8("{\"parameters\":"), raw, utf8(","), java.util.Arrays.copyOfRange(v2With("tenure", utf8("1")), 1, v2With("tenure", utf8("1")).length))),
            f(raw -> v2With("tenure", utf8("1"))).apply(null)),
        new Endpoint("ndjson batch", "/v1/predict/batch", "application/x-ndjson",
            f(raw -> concat(one, utf8("\n"), recordWith("tenure", raw), utf8("\n"))),
            f(raw -> concat(one, utf8("\n"), recordWith("contract", raw), utf8("\n"))),
            k -> f(raw -> concat(one, utf8("\n"), recordWithKey(k), utf8("\n"))).apply(null),
            f(raw -> concat(one, utf8("\n"), recordWith("note", raw), utf8("\n"))), concat(one, utf8("\n"))));
  }

  /** A pathological body for an endpoint, and a word the error must contain. */
  record Case(String name, Function<Endpoint, byte[]> body, String word) {}

  static List<Case> cases() {
    byte[] deep = utf8("[".repeat(10_000) + "]".repeat(10_000));
    byte[] digits = utf8("1" + "0".repeat(99_999));
    String key = "k".repeat(1 << 20);
    byte[] string = utf8("\"" + "x".repeat(3 << 20) + "\"");
    byte[] badUtf8 = {'"', 'M', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, '"'};
    return List.of(
        // The streaming codecs refuse an array where a value goes before reading into it; the tree parser reads it.
        new Case("10,000 levels of [", e -> e.number().apply(deep), "nested deeper than 100 levels|got an array"),
        new Case("10,000 levels of [ under a key not read", e -> e.ignored().apply(deep), "nested deeper than 100 levels"),
        new Case("a number of 100,000 digits", e -> e.number().apply(digits), "number"),
        new Case("a key of 1 MiB", e -> e.key().apply(key), "key"),
        new Case("a 3 MiB string for a number", e -> e.number().apply(string), "string"),
        new Case("invalid UTF-8", e -> e.category().apply(badUtf8), "UTF-8"),
        new Case("truncated JSON", e -> {
          byte[] good = e.number().apply(utf8("1"));
          return java.util.Arrays.copyOf(good, good.length * 3 / 4);
        }, "end"));
  }

  @Test
  void everyPathologicalBodyIsA4xxInTheServersShapeAndTheServerStaysHealthy() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Endpoint e : endpoints()) {
      for (Case c : cases()) {
        byte[] body = c.body().apply(e);
        assertThat(body.length).as("%s to %s fits the body limit", c.name(), e.name()).isLessThan(BODY_LIMIT);
        HttpResponse<String> r;
        try {
          r = post(e.path(), e.contentType(), body);
        } catch (java.io.IOException noAnswer) {
          failures.add(c.name() + " to " + e.name() + ": no answer: " + noAnswer);
          System.out.println("CASE " + c.name() + " to " + e.name() + ": no answer: " + noAnswer);
          continue;
        }
        String what = c.name() + " to " + e.name() + ": " + r.statusCode() + " " + abbreviate(r.body());
        System.out.println("CASE " + what);
        JsonNode answer;
        try {
          answer = JSON.readTree(r.body());
        } catch (Exception notJson) {
          failures.add(what);
          continue;
        }
        boolean ok = r.statusCode() == 400
            && answer.path("status").asInt() == 400
            && java.util.Arrays.stream(c.word().split("\\|")).anyMatch(answer.path("error").asText()::contains)
            && answer.size() == (answer.has("field") ? 3 : 2)
            && (!e.name().equals("ndjson batch") || answer.path("field").asText().startsWith("line 2"));
        if (!ok) {
          failures.add(what);
        }
      }
      HttpResponse<String> good = post(e.path(), e.contentType(), e.good());
      if (good.statusCode() != 200) {
        failures.add("after the pathological bodies, a good request to " + e.name() + ": " + good.statusCode() + " " + abbreviate(good.body()));
      }
    }
    assertThat(failures).as(String.join("\n", failures)).isEmpty();
    assertThat(JSON.readTree(post("/v1/predict", "application/json", utf8(JSON.writeValueAsString(record))).body()).path("probability").isNumber()).isTrue();
  }

  static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
