package dev.modelops.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's package, /usr/bin/prometheus) on a loopback port, scraping the
 * given model servers' /prometheus endpoints (and operators' /metrics) every second.
 */
final class PrometheusProcess implements AutoCloseable {
  static final Path BINARY = Path.of(System.getenv().getOrDefault("PROMETHEUS_BINARY", "/usr/bin/prometheus"));
  final String url;
  private final Process process;

  private PrometheusProcess(String url, Process process) {
    this.url = url;
    this.process = process;
  }

  static boolean available() {
    return Files.isExecutable(BINARY);
  }

  static PrometheusProcess start(Path dir, List<Integer> targets) throws Exception {
    Map<Integer, Map<String, String>> unlabelled = new java.util.LinkedHashMap<>();
    targets.forEach(t -> unlabelled.put(t, Map.of()));
    return start(dir, unlabelled);
  }

  /**
   * A Prometheus scraping each target port with the given target labels (as Kubernetes service
   * discovery adds {@code namespace}); the data lives under {@code dir}.
   */
  static PrometheusProcess start(Path dir, Map<Integer, Map<String, String>> targets) throws Exception {
    return start(dir, targets, List.of());
  }

  /**
   * The same, scraping also operators' /metrics on {@code operators} (with honor_labels, as the
   * chart's ServiceMonitor does: their series keep the namespace of the object they are about).
   */
  static PrometheusProcess start(Path dir, Map<Integer, Map<String, String>> targets, List<Integer> operators) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("prometheus.yml");
    String operatorJob = operators.isEmpty() ? "" : """
          - job_name: modelops-metrics
            metrics_path: /metrics
            honor_labels: true
            static_configs:
              - targets: [%s]
        """.formatted(operators.stream().map(o -> "'127.0.0.1:" + o + "'").collect(Collectors.joining(", ")));
    Files.writeString(config, """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: model-server
            metrics_path: /prometheus
            static_configs:
        %s
        %s""".formatted(targets.entrySet().stream().map(t -> "      - targets: ['127.0.0.1:" + t.getKey() + "']"
            + (t.getValue().isEmpty() ? "" : "\n        labels: {" + t.getValue().entrySet().stream()
                .map(l -> l.getKey() + ": '" + l.getValue() + "'").collect(Collectors.joining(", ")) + "}"))
            .collect(Collectors.joining("\n")), operatorJob));
    Path out = dir.resolve("prometheus.out");
    Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    PrometheusProcess prometheus = new PrometheusProcess("http://127.0.0.1:" + port, p);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(prometheus.url + "/-/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return prometheus;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.currentTimeMillis() > deadline || !p.isAlive()) {
        prometheus.close();
        throw new IllegalStateException("Prometheus did not become ready:\n" + Files.readString(out));
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }
}
