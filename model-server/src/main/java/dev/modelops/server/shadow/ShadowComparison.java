package dev.modelops.server.shadow;

import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.server.Prediction;
import dev.modelops.server.feedback.RecentById;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.Map;

/**
 * Compares a shadow candidate's answers with Production's on the same rows, as Prometheus
 * counters that can be summed over replicas:
 *
 * <ul>
 *   <li>{@code model_shadow_rows_total{model}}: mirrored rows the candidate answered;
 *   <li>{@code model_shadow_disagreements_total{model}}: of those, rows whose predicted class differs;
 *   <li>{@code model_shadow_prediction_bin_total{model,server,le}}: the probabilities of those rows,
 *       {@code server} "production" or "candidate", in the fixed prediction bins of the reference
 *       profile (those of {@code model_prediction_probability_bin}), so a distance between the two
 *       distributions can be computed from the counts;
 *   <li>{@code model_shadow_feedback_total{model}} and {@code model_shadow_feedback_correct_total{model,server}}:
 *       feedback labels joined to compared rows, and how many each server had right.
 * </ul>
 *
 * <p>What is compared depends on the model's kind. Binary: all of the above. Multi-class: rows,
 * disagreements (the predicted class labels differ; a class the candidate answers that Production's
 * model does not know always differs) and feedback; no probability bins. Regression: rows only
 * (a value differs from another's always a little; their distance is not counted here).
 *
 * <p>Feedback is joined by Production's prediction id, which the candidate answers under as well;
 * the last {@code model.feedback-capacity} compared rows are remembered for it. A label that
 * arrives before the candidate's answer counts for Production's live accuracy only. Made by
 * {@link ShadowMirror} when mirroring is on: a server that does not mirror exports none of these.
 */
final class ShadowComparison {
  static final String PRODUCTION = "production";
  static final String CANDIDATE = "candidate";

  private final Counter rows;
  private final Counter disagreements;
  private final Counter[][] bins = new Counter[2][];
  private final Counter labelled;
  private final Counter[] correct = new Counter[2];
  private final ModelKind kind;
  /** Production's class times {@code base} plus the candidate's class plus one (-1: a class Production's model does not know). */
  private final int base;
  /** Compared rows by id, their two classes (see {@link #base}). */
  private final Map<String, Integer> classes;

  ShadowComparison(String name, ModelKind kind, int classCount, int capacity, MeterRegistry registry) {
    this.kind = kind;
    this.base = classCount + 1;
    rows = Counter.builder("model_shadow_rows").description("Mirrored rows the shadow candidate answered, compared with Production's answers")
        .tag("model", name).register(registry);
    disagreements = Counter.builder("model_shadow_disagreements").description("Compared rows whose predicted class differs between Production and the candidate")
        .tag("model", name).register(registry);
    labelled = Counter.builder("model_shadow_feedback").description("Feedback labels joined to compared rows")
        .tag("model", name).register(registry);
    double[] cuts = ProfileBuilder.PREDICTION_CUTS;
    String[] servers = {PRODUCTION, CANDIDATE};
    for (int s = 0; s < 2; s++) {
      bins[s] = new Counter[cuts.length + 1];
      for (int b = 0; b <= cuts.length; b++) {
        bins[s][b] = Counter.builder("model_shadow_prediction_bin").description("Predicted probabilities of compared rows by server and fixed bin (le = upper bound)")
            .tag("model", name).tag("server", servers[s]).tag("le", b < cuts.length ? Double.toString(cuts[b]) : "1.0").register(registry);
      }
      correct[s] = Counter.builder("model_shadow_feedback_correct").description("Feedback labels joined to compared rows that the server had right")
          .tag("model", name).tag("server", servers[s]).register(registry);
    }
    classes = Collections.synchronizedMap(new RecentById<>(capacity));
  }

  /** Counts one mirrored call's rows: Production's answers and the candidate's, in the same order. */
  void compare(Prediction[] production, Prediction[] candidate) {
    if (kind == ModelKind.REGRESSION) {
      rows.increment(production.length);
      return;
    }
    boolean binary = kind == ModelKind.BINARY;
    long differ = 0;
    long[][] counts = new long[2][bins[0].length];
    synchronized (classes) {
      for (int i = 0; i < production.length; i++) {
        int p = production[i].predictedClass();
        int c = candidate[i].predictedClass();
        differ += p == c ? 0 : 1;
        if (binary) {
          counts[0][ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, production[i].probability())]++;
          counts[1][ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, candidate[i].probability())]++;
        }
        classes.put(production[i].id(), p * base + c + 1);
      }
    }
    rows.increment(production.length);
    disagreements.increment(differ);
    for (int s = 0; s < 2; s++) {
      for (int b = 0; b < counts[s].length; b++) {
        if (counts[s][b] > 0) {
          bins[s][b].increment(counts[s][b]);
        }
      }
    }
  }

  /** The counts so far, as {@code GET /v1/shadow} reports them. */
  void snapshot(java.util.Map<String, Object> out) {
    out.put("rows", (long) rows.count());
    out.put("disagreements", (long) disagreements.count());
    java.util.Map<String, Object> b = new java.util.LinkedHashMap<>();
    b.put("production", java.util.Arrays.stream(bins[0]).mapToLong(c -> (long) c.count()).toArray());
    b.put("candidate", java.util.Arrays.stream(bins[1]).mapToLong(c -> (long) c.count()).toArray());
    out.put("bins", b);
    java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
    f.put("labelled", (long) labelled.count());
    f.put("productionCorrect", (long) correct[0].count());
    f.put("candidateCorrect", (long) correct[1].count());
    out.put("feedback", f);
  }

  /** Joins a true label to a compared row, if {@code id} is one; Production's own live accuracy is the feedback tracker's. */
  void label(String id, int label) {
    Integer both = kind == ModelKind.REGRESSION ? null : classes.remove(id);
    if (both == null) {
      return;
    }
    labelled.increment();
    if (both / base == label) {
      correct[0].increment();
    }
    if (both % base - 1 == label) {
      correct[1].increment();
    }
  }
}
