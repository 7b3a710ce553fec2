package dev.modelops.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The operator's HTTP endpoints for Kubernetes and Prometheus: {@code /healthz} (liveness: the
 * process serves), {@code /readyz} (the operator started and every informer is healthy) and
 * {@code /metrics} (reconcile counts and timings from JOSDK, in Prometheus text format).
 */
public final class OperatorProbes implements AutoCloseable {
  private final HttpServer server;
  private volatile boolean started;

  public OperatorProbes(int port, Operator operator, PrometheusMeterRegistry registry) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> answer(ex, 200, "text/plain", "ok"));
    server.createContext("/readyz", ex -> {
      // Operator.start() holds the operator while informers sync: ask it nothing before then.
      String problem;
      if (!started) {
        problem = "the operator is starting";
      } else {
        try {
          problem = operator.getRuntimeInfo().allEventSourcesAreHealthy() ? null
              : "unhealthy event sources: " + operator.getRuntimeInfo().unhealthyEventSources();
        } catch (RuntimeException e) {
          problem = "cannot read the operator's health: " + e.getMessage();
        }
      }
      answer(ex, problem == null ? 200 : 503, "text/plain", problem == null ? "ready" : problem);
    });
    server.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.start();
  }

  /** Called once {@code operator.start()} has returned. */
  public void markStarted() {
    started = true;
  }

  /** The port the endpoints listen on. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
