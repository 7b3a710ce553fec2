package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Maps an Experiment's search section onto the planner's plain types, checking what the schema cannot. */
public final class SearchSpace {
  /** Hyperparameters XGBoost knows (booster, tree and linear parameters, the round count and early stopping). */
  static final Set<String> XGBOOST = Set.of(
      "num_round", "n_estimators", "early_stopping_rounds", "booster", "eta", "learning_rate", "gamma", "min_split_loss", "max_depth", "min_child_weight",
      "max_delta_step", "subsample", "sampling_method", "colsample_bytree", "colsample_bylevel", "colsample_bynode", "lambda",
      "reg_lambda", "alpha", "reg_alpha", "tree_method", "scale_pos_weight", "grow_policy", "max_leaves", "max_bin",
      "num_parallel_tree", "updater", "feature_selector", "top_k", "rate_drop", "one_drop", "skip_drop", "sample_type",
      "normalize_type", "max_cat_to_onehot", "objective", "base_score", "eval_metric", "seed");

  private SearchSpace() {}

  public static List<TrialPlanner.Dimension> dimensions(ExperimentSpec spec) {
    List<TrialPlanner.Dimension> out = new ArrayList<>();
    List<ExperimentSpec.SearchParameter> params = spec.getSearch().getParameters() == null ? List.of() : spec.getSearch().getParameters();
    for (int i = 0; i < params.size(); i++) {
      ExperimentSpec.SearchParameter p = params.get(i);
      if (!XGBOOST.contains(p.getName())) {
        throw new TrialPlanner.InvalidSearchException(
            "spec.search.parameters[" + i + "].name: '" + p.getName() + "' is not an XGBoost parameter" + suggestion(p.getName())
                + "; allowed: " + new java.util.TreeSet<>(XGBOOST));
      }
      TrialPlanner.Dimension.Kind kind = switch (p.getType()) {
        case INT -> TrialPlanner.Dimension.Kind.INT;
        case DOUBLE -> TrialPlanner.Dimension.Kind.DOUBLE;
        case CATEGORICAL -> TrialPlanner.Dimension.Kind.CATEGORICAL;
      };
      out.add(new TrialPlanner.Dimension(p.getName(), kind, p.getMin(), p.getMax(), p.getStep(), Boolean.TRUE.equals(p.getLogScale()), p.getValues()));
    }
    return out;
  }

  /** The plan's strategy: random when the search names none. */
  public static TrialPlanner.Strategy strategy(ExperimentSpec spec) {
    return switch (spec.getSearch().getStrategy() == null ? ExperimentSpec.SearchStrategy.RANDOM : spec.getSearch().getStrategy()) {
      case GRID -> TrialPlanner.Strategy.GRID;
      case RANDOM -> TrialPlanner.Strategy.RANDOM;
      case TPE -> TrialPlanner.Strategy.TPE;
    };
  }

  private static String suggestion(String name) {
    String best = null;
    int distance = 3;
    for (String known : XGBOOST) {
      int d = levenshtein(name, known);
      if (d < distance) {
        distance = d;
        best = known;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int[] cur = new int[b.length() + 1];
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length()];
  }
}
