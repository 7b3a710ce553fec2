package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import lombok.Data;

/**
 * How a version that is to take over Production gets there: at once (Direct), or only after its
 * answers on live requests were compared with Production's (Shadow: Production mirrors a share of
 * its requests to it; Canary: it answers a growing share of them).
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.steps) || self.strategy == 'Canary'",
    message = "steps are the shares of live traffic a Canary answers; strategy Direct and Shadow take none (Shadow takes share)",
    fieldPath = ".steps")
@ValidationRule(
    value = "!has(self.share) || self.strategy == 'Shadow'",
    message = "share is the share of Production's requests mirrored by a Shadow rollout; a Canary takes steps",
    fieldPath = ".share")
public class Rollout {
  @Default("Direct")
  @JsonPropertyDescription(
      "Direct: the version takes the production traffic as soon as it is ready. Shadow: the"
          + " Production servers mirror a share of their requests to it, after answering, and the"
          + " two answers are compared; the caller never waits for it nor sees its errors. Canary:"
          + " it answers a growing share of the live requests (steps), each step analysed. Either"
          + " way it is promoted when every check of the analysis passes and rejected (never"
          + " promoted at this generation) when one fails.")
  private Strategy strategy;

  @Min(0.01)
  @Max(1)
  @JsonPropertyDescription("Shadow: the share of Production's prediction requests mirrored to the candidate, 0.01 to 1 (default 1).")
  private Double share;

  @Size(min = 1, max = 10)
  @ValidationRule(value = "self.all(s, s >= 1 && s <= 99)", message = "each canary step is a percent of live traffic from 1 to 99")
  @ValidationRule(value = "self.isSorted() && self.all(s, self.exists_one(t, t == s))", message = "canary steps must increase, e.g. [10, 25, 50]")
  @JsonPropertyDescription("Canary: the percents of live requests the candidate answers, one analysis step each, increasing (default [10, 50]).")
  private List<Integer> steps;

  @Default("{}")
  @JsonPropertyDescription("What the candidate's answers must show, per step, before it is promoted.")
  private Analysis analysis;

  /** Rollout strategies. */
  public enum Strategy {
    Direct,
    Shadow,
    Canary
  }

  /** The checks of a shadow or canary step. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Analysis {
    @Min(1)
    @Max(100000000)
    @Default("200")
    @JsonPropertyDescription("Rows answered by both servers a step needs before it is judged.")
    private Integer minSamples;

    @Pattern(Patterns.DURATION)
    @Default("2m")
    @JsonPropertyDescription("How long a step runs at least before it is judged (e.g. 2m, 1h).")
    private String minDuration;

    @Pattern(Patterns.DURATION)
    @Default("1h")
    @JsonPropertyDescription(
        "How long a step may wait for its samples (and labels): past it the candidate is rejected"
            + " as not proven (e.g. too little traffic).")
    private String maxDuration;

    @Min(0)
    @Max(0.833)
    @Default("0.1")
    @JsonPropertyDescription(
        "The largest Jensen-Shannon distance (natural log, 0 to 0.833) between the distributions of"
            + " the candidate's and Production's predicted probabilities on the same rows.")
    private Double maxPredictionDivergence;

    @Min(0)
    @Max(1)
    @Default("0.1")
    @JsonPropertyDescription("The largest share of rows whose predicted class differs between the candidate and Production.")
    private Double maxClassDisagreement;

    @Min(0)
    @Max(1)
    @Default("0.01")
    @JsonPropertyDescription("The largest share of the candidate's answers that fail (errors and timeouts).")
    private Double maxErrorShare;

    @Pattern(Patterns.DURATION)
    @Default("500ms")
    @JsonPropertyDescription("The largest 99th percentile of the candidate's answer time, as Production's servers measure it.")
    private String maxLatencyP99;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription(
        "When set, live accuracy is checked: on the rows both answered that got a feedback label,"
            + " the candidate's accuracy may be at most this much below Production's (0: not worse)."
            + " Unset: no accuracy check.")
    private Double accuracyMargin;

    @Min(1)
    @Max(100000000)
    @Default("100")
    @JsonPropertyDescription("Feedback labels a step needs before the accuracy check is judged (with accuracyMargin).")
    private Integer minLabels;
  }
}
