package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as Kubernetes runs it: SIGTERM while requests are in flight loses none of the
 * predictions it accepted; every answered id is in the inference log.
 */
class GracefulShutdownIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  Process server;
  String base;

  /** Starts the jar on a free port with the inference log in {@code tmp/log}, and waits until it is ready. */
  void start(Path bundle) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "target/model-server.jar")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("server.out").toFile());
    pb.environment().putAll(Map.of("MODEL_BUNDLE", bundle.toString(), "MODEL_INFERENCE_LOG", tmp.resolve("log").toString(),
        "MICRONAUT_SERVER_PORT", Integer.toString(port)));
    server = pb.start();
    base = "http://127.0.0.1:" + port;
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      assertThat(System.currentTimeMillis()).as(Files.readString(tmp.resolve("server.out"))).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  @AfterEach
  void kill() {
    if (server != null) {
      server.destroyForcibly();
    }
  }

  /** Asserts that every answered id is in the inference log (a set difference: AssertJ's containsAll scans a list per element). */
  void assertLogged(Set<String> answered) throws Exception {
    Set<String> missing = new HashSet<>(answered);
    missing.removeAll(logged());
    assertThat(missing).as("answered but not logged").isEmpty();
  }

  /** Every id in the inference log, rotated files included. */
  Set<String> logged() throws Exception {
    Set<String> logged = new HashSet<>();
    try (Stream<Path> files = Files.list(tmp.resolve("log"))) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          logged.add(JSON.readTree(line).path("id").asText());
        }
      }
    }
    return logged;
  }

  @Test
  void sigtermDrainsRequestsAndFlushesTheInferenceLog() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    List<Map<String, Object>> rows = ServerApiTest.churnRecords(dev.modelops.bundle.ModelBundle.read(bundle));
    start(bundle);
    String body = JSON.writeValueAsString(rows.subList(0, 50));
    Set<String> answered = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      JSON.readTree(r.body()).forEach(a -> answered.add(a.path("id").asText()));
    }
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      if (i == 100) {
        server.toHandle().destroy(); // SIGTERM
      }
    }
    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      try {
        HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          for (JsonNode a : JSON.readTree(r.body())) {
            answered.add(a.path("id").asText());
          }
        }
      } catch (Exception e) {
        // refused after shutdown began: not accepted, so nothing to lose
      }
    }
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(answered).hasSizeGreaterThanOrEqualTo(1000);
    assertLogged(answered);
  }

  @Test
  void sigtermLetsAStreamedBatchFinishAndLogsEveryRow() throws Exception {
    Path bundle = ServerApiTest.trainChurn(tmp);
    start(bundle);
    // The churn data 20 times (about 140,000 rows): still streaming in when SIGTERM arrives.
    List<String> data = Files.readAllLines(Path.of("../examples/data/telco-churn.csv"));
    List<String> lines = new ArrayList<>(List.of(data.get(0)));
    for (int i = 0; i < 20; i++) {
      lines.addAll(data.subList(1, data.size()));
    }
    byte[] csv = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    List<String> answers = streamBatch(csv, () -> server.toHandle().destroy()); // SIGTERM once the answer has begun
    assertThat(answers.get(0)).isEqualTo("id,class,probability");
    assertThat(answers).hasSize(lines.size()).noneMatch(a -> a.startsWith("#error"));
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Set<String> answered = new HashSet<>();
    answers.subList(1, answers.size()).forEach(a -> answered.add(a.substring(0, a.indexOf(','))));
    assertLogged(answered);
  }

  /**
   * Posts a CSV batch and reads the answer while the body is still being sent, as curl or a
   * streaming client does (java.net.http sends the whole body before it reads): raw HTTP/1.1 on
   * a socket, the chunked answer decoded here. {@code onStatus} runs once the status line is in.
   */
  List<String> streamBatch(byte[] csv, Runnable onStatus) throws Exception {
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          out.write(("POST /v1/predict/batch HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: text/csv\r\nContent-Length: " + csv.length
              + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          for (int off = 0; off < csv.length; off += 8192) {
            out.write(csv, off, Math.min(8192, csv.length - off));
          }
          out.flush();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      assertThat(line(in)).startsWith("HTTP/1.1 200");
      onStatus.run();
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        if (header.toLowerCase().startsWith("transfer-encoding")) {
          assertThat(header).containsIgnoringCase("chunked");
        }
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
        byte[] chunk = new byte[size];
        in.readFully(chunk);
        body.write(chunk);
        line(in); // the CRLF after the chunk
      }
      sent.get(30, TimeUnit.SECONDS);
      return body.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static String line(DataInputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException("the connection ended; read so far: " + sb);
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }
}
