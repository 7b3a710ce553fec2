package dev.modelops.server.drift;

import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.bundle.drift.DriftWindow;
import dev.modelops.server.ApiException;
import dev.modelops.server.ModelSettings;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/**
 * Counts recent predictions (inputs and outputs) in the bundle's reference bins, over a window
 * of {@code model.drift-window} predictions, and reports their drift. Off when the model did not
 * load, has no reference profile (a bring-your-own ONNX model) or {@code model.drift-enabled} is false.
 */
@Singleton
public class DriftTracker {
  private final LoadedModel model;
  private final DriftWindow window;

  public DriftTracker(LoadedModel model, ModelSettings settings) {
    this.model = model;
    this.window = model.ready() && settings.driftEnabled() && model.bundle().profile() != null
        ? new DriftWindow(model.bundle().pipeline(), model.bundle().profile(), settings.driftWindow()) : null;
  }

  public boolean enabled() {
    return window != null;
  }

  /** Counts scored rows (values in feature order) and their probabilities, once for the lot; nothing when off. */
  public void record(Object[][] values, double[] probabilities) {
    if (window != null) {
      window.recordAll(values, probabilities);
    }
  }

  /** Throws the 404 that says why drift is not tracked, when it is not; a 503 when the model did not load. */
  public void requireEnabled() {
    model.bundle();
    if (window == null) {
      throw new ApiException(HttpStatus.NOT_FOUND, null, model.bundle().profile() == null
          ? "drift tracking needs the reference profile of a bundle made by the trainer; this model (" + model.bundle().manifest().algorithm() + ") has none"
          : "drift tracking is off on this server (model.drift-enabled=false)");
    }
  }

  public DriftCounts counts() {
    return window.snapshot();
  }

  public DriftReport report() {
    return report(window.snapshot());
  }

  /** The report of given counts (e.g. a snapshot whose bins are exported beside it). */
  public DriftReport report(DriftCounts counts) {
    return DriftReport.of(model.bundle().profile(), counts, DriftReport.Thresholds.defaults());
  }
}
