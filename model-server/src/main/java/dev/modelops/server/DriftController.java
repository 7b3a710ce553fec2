package dev.modelops.server;

import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET /v1/drift: the drift of the recent window against the bundle's reference profile.
 * GET /v1/drift/counts: the raw window counts in the reference bins, plus the feedback counts,
 * which the operator sums over every replica before computing the same report.
 * GET /v1/drift/reference: the bundle's reference profile those bins belong to.
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
  public Map<String, Object> counts() {
    check();
    DriftCounts c = predictions.driftCounts();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model.name());
    out.put("version", model.version());
    out.put("samples", c.samples());
    out.put("numeric", c.numeric());
    out.put("categorical", c.categorical());
    out.put("text", c.text());
    out.put("prediction", c.prediction());
    out.put("feedback", predictions.feedbackTotal());
    out.put("feedbackCorrect", predictions.feedbackCorrect());
    out.put("modelCreatedAt", model.bundle().manifest().createdAt());
    return out;
  }

  @Get("/reference")
  public ReferenceProfile reference() {
    check();
    return model.bundle().profile();
  }

  private void check() {
    model.bundle();
    if (!predictions.driftEnabled()) {
      throw new ApiException(HttpStatus.NOT_FOUND, null, model.bundle().profile() == null
          ? "drift tracking needs the reference profile of a bundle made by the trainer; this model (" + model.bundle().manifest().algorithm() + ") has none"
          : "drift tracking is off on this server (model.drift-enabled=false)");
    }
  }
}
