package dev.modelops.e2e;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real MLflow tracking server (tools/mlflow/mlflow-venv.sh's virtualenv) on a loopback port,
 * with a SQLite store and served artifacts under a folder of the test's; started again on the same
 * port and store after {@link #stop}, as a restarted server would be.
 */
final class MlflowProcess implements AutoCloseable {
  static final Path VENV = Path.of(System.getenv().getOrDefault("MODELOPS_MLFLOW_VENV",
      System.getProperty("user.home") + "/.cache/modelops/mlflow-venv"));
  final int port;
  final String url;
  private final Path dir;
  private Process process;

  private MlflowProcess(Path dir, int port) {
    this.dir = dir;
    this.port = port;
    this.url = "http://127.0.0.1:" + port;
  }

  static boolean available() {
    return Files.isExecutable(VENV.resolve("bin/mlflow"));
  }

  static MlflowProcess start(Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    MlflowProcess m = new MlflowProcess(dir, port);
    m.start();
    return m;
  }

  void start() throws Exception {
    Files.createDirectories(dir.resolve("artifacts"));
    process = new ProcessBuilder(VENV.resolve("bin/mlflow").toString(), "server",
        "--backend-store-uri", "sqlite:///" + dir.toAbsolutePath().resolve("mlflow.db"),
        "--artifacts-destination", dir.toAbsolutePath().resolve("artifacts").toString(),
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--workers", "1")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mlflow.log").toFile())).start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("mlflow server exited " + process.exitValue() + ": " + Files.readString(dir.resolve("mlflow.log")));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not up yet
      }
      Thread.sleep(250);
    }
    close();
    throw new IllegalStateException("mlflow server not answering /health on " + url + " after 120 s: " + Files.readString(dir.resolve("mlflow.log")));
  }

  /** Stops the server (its store stays). */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
