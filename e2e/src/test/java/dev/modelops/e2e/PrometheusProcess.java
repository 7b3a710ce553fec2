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
 * given model servers' /prometheus endpoints (and operators' /metrics) every second; or, with
 * {@link #alertmanager}, Debian's Alertmanager.
 */
final class PrometheusProcess implements AutoCloseable {
  static final Path BINARY = Path.of(System.getenv().getOrDefault("PROMETHEUS_BINARY", "/usr/bin/prometheus"));
  static final Path ALERTMANAGER = Path.of(System.getenv().getOrDefault("ALERTMANAGER_BINARY", "/usr/bin/prometheus-alertmanager"));
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
    return start(dir, config);
  }

  /** A Prometheus with the configuration file {@code config} (in {@code dir}, whose rule_files are found beside it). */
  static PrometheusProcess start(Path dir, Path config) throws Exception {
    int port = freePort();
    return launch("Prometheus", List.of(BINARY.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port), "http://127.0.0.1:" + port, dir.resolve("prometheus.out"));
  }

  /** Debian's Alertmanager (prometheus-alertmanager) with {@code config}, alone (no cluster), on a loopback port. */
  static PrometheusProcess alertmanager(Path dir, Path config) throws Exception {
    int port = freePort();
    return launch("Alertmanager", List.of(ALERTMANAGER.toString(), "--config.file=" + config, "--storage.path=" + dir.resolve("alertmanager"),
        "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address="), "http://127.0.0.1:" + port, dir.resolve("alertmanager.out"));
  }

  static boolean alertmanagerAvailable() {
    return Files.isExecutable(ALERTMANAGER);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code command} and waits until {@code url}/-/ready answers 200. */
  private static PrometheusProcess launch(String name, List<String> command, String url, Path out) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    PrometheusProcess started = new PrometheusProcess(url, p);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return started;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.currentTimeMillis() > deadline || !p.isAlive()) {
        started.close();
        throw new IllegalStateException(name + " did not become ready:\n" + Files.readString(out));
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
