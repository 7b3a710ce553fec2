package dev.modelops.server;

import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET /v1/drift: the drift of the recent window against the bundle's reference profile.
 * GET /v1/drift/counts: the raw window counts in the reference bins, which the operator sums
 * over every replica before computing the same report.
 */
@Controller("/v1/drift")
public class DriftController {
  private final LoadedModel model;
  private final Predictions predictions;

  public DriftController(LoadedModel model, Predictions predictions) {
    this.model = model;
    this.predictions = predictions;
  }

  @Get
  public Map<String, Object> report() {
    check();
    DriftReport report = predictions.driftReport();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model.name());
    out.put("version", model.version());
    out.put("report", report);
    out.put("liveAccuracy", predictions.liveAccuracy());
    out.put("feedback", predictions.feedbackTotal());
    out.put("modelCreatedAt", model.bundle().manifest().createdAt());
    return out;
  }

  @Get("/counts")
  public DriftCounts counts() {
    check();
    return predictions.driftCounts();
  }

  private void check() {
    model.bundle();
    if (!predictions.driftEnabled()) {
      throw new ApiException(HttpStatus.NOT_FOUND, null, "drift tracking is off on this server (model.drift-enabled=false)");
    }
  }
}
