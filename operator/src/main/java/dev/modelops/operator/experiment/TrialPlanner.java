package dev.modelops.operator.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Plans the trials of a search: a pure function of the search space, the strategy, the trial
 * budget and the seed, so the plan can be recomputed at any time (after an operator restart,
 * say) and always names the same trials with the same parameters.
 */
public final class TrialPlanner {
  /** One dimension of the search space, free of Kubernetes types. */
  public record Dimension(String name, Kind kind, Double min, Double max, Double step, boolean logScale, List<String> values) {
    /** The type of a dimension. */
    public enum Kind {
      INT,
      DOUBLE,
      CATEGORICAL
    }
  }

  /**
   * Grid search, random search, or TPE ({@link TreeParzen}), whose plan is the random one until
   * the decision replaces a not yet started trial's parameters with a proposal from the finished
   * trials.
   */
  public enum Strategy {
    GRID,
    RANDOM,
    TPE
  }

  /** A problem with the search space that the schema cannot catch; the message names the field. */
  public static final class InvalidSearchException extends RuntimeException {
    public InvalidSearchException(String message) {
      super(message);
    }
  }

  private TrialPlanner() {}

  /** The parameter values of every planned trial, in trial-index order; at most maxTrials. */
  public static List<Map<String, String>> plan(List<Dimension> space, Strategy strategy, int maxTrials, long seed) {
    return plan(space, strategy, maxTrials, seed, Map.of());
  }

  /**
   * The same, trial 0 running {@code warmStart}'s values (a dimension it does not name takes the
   * strategy's first value) and the strategy's plan following from trial 1.
   */
  public static List<Map<String, String>> plan(List<Dimension> space, Strategy strategy, int maxTrials, long seed, Map<String, String> warmStart) {
    if (space.isEmpty()) {
      return List.of(Map.of());
    }
    if (warmStart == null || warmStart.isEmpty()) {
      return strategy == Strategy.GRID ? grid(space, maxTrials) : random(space, maxTrials, seed);
    }
    checkWarmStart(space, warmStart);
    List<Map<String, String>> rest = strategy == Strategy.GRID ? grid(space, maxTrials) : random(space, maxTrials, seed);
    Map<String, String> first = new LinkedHashMap<>();
    for (Dimension d : space) {
      first.put(d.name(), warmStart.getOrDefault(d.name(), rest.get(0).get(d.name())));
    }
    List<Map<String, String>> out = new ArrayList<>();
    out.add(first);
    for (Map<String, String> p : rest) {
      if (out.size() < maxTrials && !p.equals(first)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Every warm-start value names a dimension and lies in it. */
  static void checkWarmStart(List<Dimension> space, Map<String, String> warmStart) {
    for (Map.Entry<String, String> e : warmStart.entrySet()) {
      String field = "spec.search.warmStart." + e.getKey();
      Dimension d = space.stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElseThrow(() -> new InvalidSearchException(
          field + ": '" + e.getKey() + "' is not a searched parameter; allowed: " + space.stream().map(Dimension::name).toList()));
      String v = e.getValue();
      if (d.kind() == Dimension.Kind.CATEGORICAL) {
        if (!d.values().contains(v)) {
          throw new InvalidSearchException(field + " is '" + v + "': not one of " + d.values());
        }
        continue;
      }
      double x;
      try {
        x = Double.parseDouble(v);
      } catch (NumberFormatException ex) {
        throw new InvalidSearchException(field + " is '" + v + "': not a number");
      }
      if (x < d.min() || x > d.max() || (d.kind() == Dimension.Kind.INT && x != Math.rint(x))) {
        throw new InvalidSearchException(field + " is '" + v + "': outside " + (d.kind() == Dimension.Kind.INT ? "the whole numbers " : "")
            + "[" + format(d.min()) + ", " + format(d.max()) + "]");
      }
    }
  }

  static List<Map<String, String>> grid(List<Dimension> space, int maxTrials) {
    List<List<String>> axes = new ArrayList<>();
    for (int d = 0; d < space.size(); d++) {
      axes.add(gridValues(space.get(d), d));
    }
    List<Map<String, String>> out = new ArrayList<>();
    int[] index = new int[space.size()];
    while (out.size() < maxTrials) {
      Map<String, String> trial = new LinkedHashMap<>();
      for (int d = 0; d < space.size(); d++) {
        trial.put(space.get(d).name(), axes.get(d).get(index[d]));
      }
      out.add(trial);
      int d = space.size() - 1;
      while (d >= 0 && ++index[d] == axes.get(d).size()) {
        index[d] = 0;
        d--;
      }
      if (d < 0) {
        break;
      }
    }
    return out;
  }

  static List<String> gridValues(Dimension dim, int position) {
    String field = "spec.search.parameters[" + position + "]";
    switch (dim.kind()) {
      case CATEGORICAL -> {
        return dim.values();
      }
      case INT -> {
        long step = dim.step() == null ? 1 : Math.max(1, Math.round(dim.step()));
        List<String> v = new ArrayList<>();
        for (long x = Math.round(Math.ceil(dim.min())); x <= dim.max(); x += step) {
          v.add(Long.toString(x));
        }
        return v;
      }
      case DOUBLE -> {
        if (dim.step() == null) {
          throw new InvalidSearchException(field + ".step is required for a double parameter ('" + dim.name() + "') in a grid search: set step, or use strategy random");
        }
        List<String> v = new ArrayList<>();
        int n = (int) Math.floor((dim.max() - dim.min()) / dim.step() + 1e-9);
        for (int i = 0; i <= n; i++) {
          v.add(format(dim.min() + i * dim.step(), dim.min(), dim.max()));
        }
        return v;
      }
      default -> throw new IllegalStateException(dim.kind().toString());
    }
  }

  static List<Map<String, String>> random(List<Dimension> space, int maxTrials, long seed) {
    Random random = new Random(seed);
    List<Map<String, String>> out = new ArrayList<>();
    for (int t = 0; t < maxTrials; t++) {
      Map<String, String> trial = new LinkedHashMap<>();
      for (Dimension d : space) {
        trial.put(d.name(), sample(d, random));
      }
      out.add(trial);
    }
    return out;
  }

  static String sample(Dimension d, Random random) {
    double u = random.nextDouble();
    return switch (d.kind()) {
      case CATEGORICAL -> d.values().get((int) Math.floor(u * d.values().size()));
      case INT -> {
        double lo = d.min();
        double hi = d.max();
        double x = d.logScale() ? Math.exp(Math.log(lo) + u * (Math.log(hi + 1) - Math.log(lo))) : lo + u * (hi - lo + 1);
        yield Long.toString(Math.min((long) Math.floor(x), (long) Math.floor(hi)));
      }
      case DOUBLE -> format(d.logScale() ? Math.exp(Math.log(d.min()) + u * (Math.log(d.max()) - Math.log(d.min()))) : d.min() + u * (d.max() - d.min()),
          d.min(), d.max());
    };
  }

  /** Short, exact-enough decimal text (6 significant digits), so parameters read well in status. */
  static String format(double v) {
    return format(v, 6);
  }

  /**
   * {@link #format(double)}, never outside [min, max]: when rounding to 6 significant digits would
   * step over a bound, more digits are kept.
   */
  static String format(double v, double min, double max) {
    for (int digits = 6; digits < 17; digits++) {
      String s = format(v, digits);
      double rounded = Double.parseDouble(s);
      if (rounded >= min && rounded <= max) {
        return s;
      }
    }
    return format(v, 17);
  }

  private static String format(double v, int digits) {
    String s = new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).stripTrailingZeros().toPlainString();
    return s.equals("-0") ? "0" : s;
  }
}
