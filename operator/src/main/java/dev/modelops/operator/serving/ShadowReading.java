package dev.modelops.operator.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;

/**
 * What one Production server says of the rollout step it runs ({@code GET /v1/shadow} on its
 * admin port): the step it was configured for and, since it started, how the candidate's answers
 * compared with its own on the same rows. Counts add up over replicas.
 *
 * @param step the step this server runs ({@code MODEL_SHADOW_STEP}), empty when it mirrors nothing
 * @param answered mirrored (or canary) calls the candidate answered
 * @param failed of the calls to the candidate, those that failed or timed out
 * @param rows rows answered by both
 * @param disagreements rows whose predicted class differs
 * @param production Production's predicted probabilities of those rows, by fixed bin
 * @param candidate the candidate's, by the same bins
 * @param labelled rows of those that got a feedback label
 * @param productionCorrect labelled rows Production had right
 * @param candidateCorrect labelled rows the candidate had right
 * @param latencyBounds the upper bounds (seconds) of the candidate's answer-time buckets
 * @param latencyCounts calls per bucket (one more than the bounds: the last is above them all)
 */
public record ShadowReading(String step, long answered, long failed, long rows, long disagreements, long[] production, long[] candidate,
    long labelled, long productionCorrect, long candidateCorrect, double[] latencyBounds, long[] latencyCounts) {

  /** Reads a server's answer; a field it does not have reads as zero. */
  static ShadowReading of(JsonNode n) {
    JsonNode latency = n.path("latency");
    return new ShadowReading(n.path("step").asText(""), n.path("answered").asLong(), n.path("failed").asLong(), n.path("rows").asLong(),
        n.path("disagreements").asLong(), longs(n.path("bins").path("production")), longs(n.path("bins").path("candidate")),
        n.path("feedback").path("labelled").asLong(), n.path("feedback").path("productionCorrect").asLong(),
        n.path("feedback").path("candidateCorrect").asLong(), doubles(latency.path("bounds")), longs(latency.path("counts")));
  }

  /** The sum of several servers' readings of the same step (bins and buckets added position by position). */
  static ShadowReading sum(String step, List<ShadowReading> readings) {
    ShadowReading s = new ShadowReading(step, 0, 0, 0, 0, new long[0], new long[0], 0, 0, 0, new double[0], new long[0]);
    for (ShadowReading r : readings) {
      s = new ShadowReading(step, s.answered + r.answered, s.failed + r.failed, s.rows + r.rows, s.disagreements + r.disagreements,
          add(s.production, r.production), add(s.candidate, r.candidate), s.labelled + r.labelled,
          s.productionCorrect + r.productionCorrect, s.candidateCorrect + r.candidateCorrect,
          r.latencyBounds.length > s.latencyBounds.length ? r.latencyBounds : s.latencyBounds, add(s.latencyCounts, r.latencyCounts));
    }
    return s;
  }

  /**
   * The 99th percentile of the candidate's answer time, seconds: the upper bound of the bucket
   * holding it (as Prometheus' histogram_quantile reads the top of a bucket); infinite when it is
   * above every bound; NaN without calls.
   */
  double latencyP99() {
    long total = Arrays.stream(latencyCounts).sum();
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(0.99 * total);
    long seen = 0;
    for (int i = 0; i < latencyCounts.length; i++) {
      seen += latencyCounts[i];
      if (seen >= rank) {
        return i < latencyBounds.length ? latencyBounds[i] : Double.POSITIVE_INFINITY;
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private static long[] add(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, Math.max(a.length, b.length));
    for (int i = 0; i < b.length; i++) {
      out[i] += b[i];
    }
    return out;
  }

  private static long[] longs(JsonNode n) {
    long[] out = new long[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = n.get(i).asLong();
    }
    return out;
  }

  private static double[] doubles(JsonNode n) {
    double[] out = new double[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = n.get(i).asDouble();
    }
    return out;
  }
}
