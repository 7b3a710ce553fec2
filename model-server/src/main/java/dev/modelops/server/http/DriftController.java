package dev.modelops.server.http;

import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.server.drift.DriftTracker;
import dev.modelops.server.feedback.FeedbackTracker;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET /v1/drift: the drift of the recent window against the bundle's reference profile.
 * GET /v1/drift/counts: the raw window counts in the reference bins, plus the feedback counts,
 * which the operator sums over every replica before computing the same report.
 * GET /v1/drift/reference: the bundle's reference profile those bins belong to.
 * With {@code model.admin-port} set, these answer only on that port (beside /prometheus), so that a
 * NetworkPolicy can let the operator and Prometheus read them while clients reach inference alone.
 */
@Controller(value = "/v1/drift", port = "${model.admin-port:}")
public class DriftController {
  private final LoadedModel model;
  private final DriftTracker drift;
  private final FeedbackTracker feedback;

  public DriftController(LoadedModel model, DriftTracker drift, FeedbackTracker feedback) {
    this.model = model;
    this.drift = drift;
    this.feedback = feedback;
  }

  @Get
  public Map<String, Object> report() {
    drift.requireEnabled();
    DriftReport report = drift.report();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model.name());
    out.put("version", model.version());
    out.put("report", report);
    out.put("liveAccuracy", feedback.liveAccuracy());
    if (feedback.regression()) {
      out.put("liveMae", feedback.liveMae());
      out.put("liveRmse", feedback.liveRmse());
    }
    out.put("feedback", feedback.total());
    out.put("modelCreatedAt", model.bundle().manifest().createdAt());
    return out;
  }

  @Get("/counts")
  public Map<String, Object> counts() {
    drift.requireEnabled();
    DriftCounts c = drift.counts();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model.name());
    out.put("version", model.version());
    out.put("samples", c.samples());
    out.put("numeric", c.numeric());
    out.put("numericSums", c.numericSums());
    out.put("categorical", c.categorical());
    out.put("text", c.text());
    out.put("prediction", c.prediction());
    out.put("feedback", feedback.total());
    out.put("feedbackCorrect", feedback.correct());
    out.put("feedbackAbsError", feedback.absErrorSum());
    out.put("feedbackSquaredError", feedback.squaredErrorSum());
    out.put("modelCreatedAt", model.bundle().manifest().createdAt());
    return out;
  }

  @Get("/reference")
  public ReferenceProfile reference() {
    drift.requireEnabled();
    return model.bundle().profile();
  }
}
