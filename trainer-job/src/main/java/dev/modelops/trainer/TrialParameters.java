package dev.modelops.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.LearningObjective;
import dev.modelops.api.v1alpha1.ExperimentSpec.SearchParameter;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One trial's hyperparameters: the Experiment's fixed algorithm params overridden by the trial's
 * searched values, each checked against the search space.
 */
final class TrialParameters {
  /** XGBoost's name for the number of boosting rounds, which is not a booster parameter. */
  static final String ROUNDS = "num_round";

  static final int DEFAULT_ROUNDS = 100;

  private TrialParameters() {}

  /** Checks the trial's values against the search space; returns them by name, in order given. */
  static Map<String, String> checkTrialValues(ExperimentSpec spec, Map<String, String> given) {
    List<SearchParameter> space = spec.getSearch() == null || spec.getSearch().getParameters() == null
        ? List.of() : spec.getSearch().getParameters();
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      SearchParameter p = space.stream().filter(s -> s.getName().equals(e.getKey())).findFirst()
          .orElseThrow(() -> new TrainerInputException(
              Reason.BadParameter,
              "--param " + e.getKey() + " is not in spec.search.parameters; searched parameters are "
                  + space.stream().map(SearchParameter::getName).toList()));
      out.put(e.getKey(), check(p, e.getValue()));
    }
    return out;
  }

  private static String check(SearchParameter p, String value) {
    String v = value.trim();
    switch (p.getType()) {
      case INT -> {
        long n;
        try {
          n = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw new TrainerInputException(Reason.BadParameter, "--param " + p.getName() + "=" + value + " must be an integer");
        }
        if (n < p.getMin() || n > p.getMax()) {
          throw outside(p, value);
        }
        return Long.toString(n);
      }
      case DOUBLE -> {
        double d;
        try {
          d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new TrainerInputException(Reason.BadParameter, "--param " + p.getName() + "=" + value + " must be a number");
        }
        if (Double.isNaN(d) || d < p.getMin() || d > p.getMax()) {
          throw outside(p, value);
        }
        return v;
      }
      case CATEGORICAL -> {
        if (p.getValues() == null || !p.getValues().contains(v)) {
          throw new TrainerInputException(
              Reason.BadParameter, "--param " + p.getName() + "=" + value + " is not one of the searched values " + p.getValues());
        }
        return v;
      }
      default -> throw new IllegalStateException(String.valueOf(p.getType()));
    }
  }

  private static TrainerInputException outside(SearchParameter p, String value) {
    return new TrainerInputException(
        Reason.BadParameter,
        "--param " + p.getName() + "=" + value + " is outside the search space [" + fmt(p.getMin()) + ", " + fmt(p.getMax()) + "]");
  }

  private static String fmt(Double d) {
    return d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString();
  }

  /** The fixed params of spec.algorithm.params as strings, sorted by name. */
  static Map<String, String> fixed(ExperimentSpec spec) {
    Map<String, String> out = new TreeMap<>();
    if (spec.getAlgorithm() != null && spec.getAlgorithm().getParams() != null) {
      for (Map.Entry<String, JsonNode> e : spec.getAlgorithm().getParams().entrySet()) {
        out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
      }
    }
    return out;
  }

  /** XGBoost's name for early stopping: stop after this many rounds without a better validation loss (0: never). */
  static final String EARLY_STOPPING = "early_stopping_rounds";

  /**
   * The booster's parameters, its (maximum) number of rounds, and after how many rounds without a
   * better validation loss (eval_metric) training stops (0: it runs every round).
   */
  record Booster(Map<String, Object> params, int rounds, int earlyStoppingRounds) {
    /**
     * The parameters for the training labels: multi:softprob needs num_class ({@code classes},
     * null when not multi-class); reg:pseudohubererror starts from the labels' median unless
     * base_score is given, as XGBoost does not estimate it (from 0.5, a model of prices in the
     * hundred thousands never got near them).
     */
    Map<String, Object> paramsFor(List<String> classes, float[] labels) {
      Map<String, Object> out = new TreeMap<>(params);
      if (classes != null) {
        out.put("num_class", classes.size());
      }
      if (LearningObjective.REG_PSEUDO_HUBER_ERROR.key().equals(params.get("objective")) && !params.containsKey("base_score")) {
        float[] sorted = labels.clone();
        java.util.Arrays.sort(sorted);
        out.put("base_score", sorted[sorted.length / 2]);
      }
      return out;
    }
  }

  /** The booster parameters XGBoost gets for {@code objective}, with the defaults modelops sets, and the round count. */
  static Booster booster(Map<String, String> merged, long seed, LearningObjective objective) {
    Map<String, Object> params = new TreeMap<>();
    params.put("objective", objective.key());
    // Early stopping watches the first metric: the objective's own loss.
    params.put("eval_metric", switch (objective) {
      case BINARY_LOGISTIC, REG_LOGISTIC -> "logloss";
      case REG_SQUARED_ERROR -> "rmse";
      case REG_PSEUDO_HUBER_ERROR -> "mphe";
      case REG_ABSOLUTE_ERROR -> "mae";
      case MULTI_SOFTPROB -> "mlogloss";
    });
    params.put("tree_method", "hist");
    params.put("verbosity", 0);
    params.put("seed", seed);
    // One thread unless the Experiment says otherwise: the model then does not depend on the
    // machine's core count, and XGBoost's OpenMP threads do not spin against other processes
    // on a shared node (with all cores busy, 200 rounds took 4-14 s instead of 0.3 s).
    params.put("nthread", 1);
    int rounds = DEFAULT_ROUNDS;
    int earlyStopping = 0;
    for (Map.Entry<String, String> e : merged.entrySet()) {
      if (e.getKey().equals(EARLY_STOPPING)) {
        try {
          earlyStopping = (int) Double.parseDouble(e.getValue());
        } catch (NumberFormatException ex) {
          earlyStopping = -1;
        }
        if (earlyStopping < 0 || earlyStopping > 100_000 || !e.getValue().trim().matches("\\d+(\\.0*)?")) {
          throw new TrainerInputException(Reason.BadParameter, EARLY_STOPPING + "=" + e.getValue()
              + " must be a whole number of rounds from 0 (never stop early) to 100000");
        }
        continue;
      }
      if (e.getKey().equals(ROUNDS) || e.getKey().equals("n_estimators")) {
        try {
          rounds = (int) Double.parseDouble(e.getValue());
        } catch (NumberFormatException ex) {
          throw new TrainerInputException(Reason.BadParameter, e.getKey() + "=" + e.getValue() + " must be a whole number of boosting rounds");
        }
        if (rounds < 1 || rounds > 100_000) {
          throw new TrainerInputException(Reason.BadParameter, e.getKey() + "=" + e.getValue() + " must be between 1 and 100000");
        }
      } else {
        params.put(e.getKey(), e.getValue());
      }
    }
    // The objective has one home, spec.algorithm.objective: the schema checks the metrics against it.
    if (!objective.key().equals(params.get("objective"))) {
      throw new TrainerInputException(Reason.BadParameter, "objective=" + params.get("objective") + " in the parameters differs from"
          + " spec.algorithm.objective " + objective.key() + "; set the objective in spec.algorithm.objective only");
    }
    return new Booster(params, rounds, earlyStopping);
  }
}
