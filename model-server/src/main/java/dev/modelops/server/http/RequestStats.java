package dev.modelops.server.http;

import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The answers this server gave to its clients since it started, and how many were server errors
 * (5xx): {@code GET /v1/stats}. The operator reads it from every ready Pod of a version in the
 * first minutes after its promotion and rolls the version back when too large a share of its
 * answers are server errors. With {@code model.admin-port} set it answers only there, beside drift
 * and metrics (clients of inference have no need of it). The server's own endpoints (health, lifecycle, drift, metrics,
 * these stats) are not counted.
 */
@Controller(value = "/v1/stats", port = "${model.admin-port:}")
public class RequestStats {
  private final LoadedModel model;
  private final LongAdder answers = new LongAdder();
  private final LongAdder serverErrors = new LongAdder();

  public RequestStats(LoadedModel model) {
    this.model = model;
  }

  @Get
  public Map<String, Object> stats() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model.name());
    out.put("version", model.version());
    out.put("requests", answers.sum());
    out.put("serverErrors", serverErrors.sum());
    return out;
  }

  void count(String path, int status) {
    if (path.startsWith("/v2/health") || path.startsWith("/v1/lifecycle") || path.startsWith("/v1/drift")
        || path.startsWith("/v1/stats") || path.startsWith("/v1/shadow") || path.startsWith("/prometheus")) {
      return;
    }
    answers.increment();
    if (status >= 500) {
      serverErrors.increment();
    }
  }

  /** Counts every answer by its status. */
  @ServerFilter("/**")
  public static class Counting {
    private final RequestStats stats;

    public Counting(RequestStats stats) {
      this.stats = stats;
    }

    @ResponseFilter
    public void count(HttpRequest<?> request, MutableHttpResponse<?> response) {
      stats.count(request.getPath(), response.code());
    }
  }
}
