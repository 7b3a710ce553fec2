package dev.modelops.operator.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.special.Erf;

/**
 * The Tree-structured Parzen Estimator (Bergstra et al., 2011; the default sampler of Hyperopt and
 * Optuna), one dimension at a time: the finished trials are split into the best quarter and the
 * rest; each side becomes a density over the dimension (a Parzen window per trial, each as wide as
 * the gap to its neighbours, plus a flat prior); of 24 values drawn from the good side's density,
 * the one where good is most likely against the rest is proposed. Numeric dimensions are searched
 * on [0, 1] (logarithmic when the parameter says logScale), categories by their smoothed counts.
 * Seeded by the Experiment's seed and the trial's index: the same finished trials give the same
 * proposal.
 */
public final class TreeParzen {
  /** The share of finished trials counted as good. */
  static final double GAMMA = 0.25;
  /** How many values are drawn from the good side's density. */
  static final int CANDIDATES = 24;

  /** A finished trial: its parameters and its objective. */
  public record Observation(Map<String, String> params, double objective) {}

  private TreeParzen() {}

  /** Trials proposed at random before the estimator takes over: enough points for two densities. */
  public static int startupTrials(int dimensions) {
    return Math.max(4, 2 * dimensions);
  }

  /** The parameters of trial {@code index}, from the finished trials {@code history}. */
  public static Map<String, String> propose(List<TrialPlanner.Dimension> space, long seed, int index, List<Observation> history, boolean lowerIsBetter) {
    Random random = new Random(seed * 1_000_003L + index);
    List<Observation> sorted = new ArrayList<>(history);
    Comparator<Observation> byObjective = Comparator.comparingDouble(Observation::objective);
    sorted.sort(lowerIsBetter ? byObjective : byObjective.reversed());
    int good = Math.max(1, (int) Math.ceil(GAMMA * sorted.size()));
    List<Observation> goods = sorted.subList(0, good);
    List<Observation> bads = sorted.size() > good ? sorted.subList(good, sorted.size()) : sorted;
    Map<String, String> out = new LinkedHashMap<>();
    for (TrialPlanner.Dimension d : space) {
      out.put(d.name(), d.kind() == TrialPlanner.Dimension.Kind.CATEGORICAL ? category(d, goods, bads, random) : numeric(d, goods, bads, random));
    }
    return out;
  }

  private static String category(TrialPlanner.Dimension d, List<Observation> goods, List<Observation> bads, Random random) {
    List<String> values = d.values();
    double[] l = smoothedShares(values, goods, d.name());
    double[] g = smoothedShares(values, bads, d.name());
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < CANDIDATES; c++) {
      int pick = draw(l, random);
      double score = Math.log(l[pick]) - Math.log(g[pick]);
      if (score > bestScore) {
        bestScore = score;
        best = pick;
      }
    }
    return values.get(best);
  }

  private static double[] smoothedShares(List<String> values, List<Observation> set, String name) {
    double[] counts = new double[values.size()];
    java.util.Arrays.fill(counts, 1.0); // the prior
    for (Observation o : set) {
      int i = values.indexOf(o.params().get(name));
      if (i >= 0) {
        counts[i]++;
      }
    }
    double total = java.util.Arrays.stream(counts).sum();
    for (int i = 0; i < counts.length; i++) {
      counts[i] /= total;
    }
    return counts;
  }

  private static int draw(double[] shares, Random random) {
    double u = random.nextDouble();
    for (int i = 0; i < shares.length; i++) {
      u -= shares[i];
      if (u < 0) {
        return i;
      }
    }
    return shares.length - 1;
  }

  private static String numeric(TrialPlanner.Dimension d, List<Observation> goods, List<Observation> bads, Random random) {
    Parzen l = Parzen.of(unit(d, goods));
    Parzen g = Parzen.of(unit(d, bads));
    double best = Double.NaN;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < CANDIDATES; c++) {
      double u = l.sample(random);
      double score = Math.log(l.density(u)) - Math.log(g.density(u));
      if (score > bestScore) {
        bestScore = score;
        best = u;
      }
    }
    return fromUnit(d, best);
  }

  /** The observations' values of {@code d} on [0, 1]. */
  private static double[] unit(TrialPlanner.Dimension d, List<Observation> set) {
    List<Double> out = new ArrayList<>();
    for (Observation o : set) {
      String v = o.params().get(d.name());
      if (v == null) {
        continue;
      }
      try {
        double x = Double.parseDouble(v);
        out.add(Math.max(0, Math.min(1, toUnit(d, x))));
      } catch (NumberFormatException e) {
        // a value the space does not describe (the spec changed): left out
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double lo(TrialPlanner.Dimension d) {
    return d.min();
  }

  private static double hi(TrialPlanner.Dimension d) {
    return d.kind() == TrialPlanner.Dimension.Kind.INT ? d.max() + 1 : d.max();
  }

  static double toUnit(TrialPlanner.Dimension d, double x) {
    return d.logScale() ? (Math.log(x) - Math.log(lo(d))) / (Math.log(hi(d)) - Math.log(lo(d))) : (x - lo(d)) / (hi(d) - lo(d));
  }

  static String fromUnit(TrialPlanner.Dimension d, double u) {
    double x = d.logScale() ? Math.exp(Math.log(lo(d)) + u * (Math.log(hi(d)) - Math.log(lo(d)))) : lo(d) + u * (hi(d) - lo(d));
    if (d.kind() == TrialPlanner.Dimension.Kind.INT) {
      return Long.toString(Math.max(Math.round(Math.ceil(d.min())), Math.min((long) Math.floor(x), (long) Math.floor(d.max()))));
    }
    return TrialPlanner.format(Math.max(d.min(), Math.min(d.max(), x)), d.min(), d.max());
  }

  /**
   * A flat prior on [0, 1] (weight 1) and a normal per point, truncated to [0, 1], as wide as the
   * larger gap to its neighbours (the bounds count as neighbours), at least 1/min(100, n + 1).
   */
  private record Parzen(double[] mus, double[] sigmas) {
    static Parzen of(double[] points) {
      double[] mus = points.clone();
      java.util.Arrays.sort(mus);
      int n = mus.length;
      double[] sigmas = new double[n];
      double floor = 1.0 / Math.min(100, n + 1);
      for (int i = 0; i < n; i++) {
        double left = mus[i] - (i == 0 ? 0 : mus[i - 1]);
        double right = (i == n - 1 ? 1 : mus[i + 1]) - mus[i];
        sigmas[i] = Math.min(1, Math.max(floor, Math.min(left, right)));
      }
      return new Parzen(mus, sigmas);
    }

    double density(double u) {
      double sum = 1; // the prior's density on [0, 1]
      for (int i = 0; i < mus.length; i++) {
        double z = (u - mus[i]) / sigmas[i];
        sum += Math.exp(-0.5 * z * z) / (sigmas[i] * Math.sqrt(2 * Math.PI)) / mass(mus[i], sigmas[i]);
      }
      return sum / (mus.length + 1);
    }

    double sample(Random random) {
      int k = random.nextInt(mus.length + 1);
      if (k == mus.length) {
        return random.nextDouble();
      }
      for (int tries = 0; tries < 100; tries++) {
        double u = mus[k] + sigmas[k] * random.nextGaussian();
        if (u >= 0 && u <= 1) {
          return u;
        }
      }
      return Math.max(0, Math.min(1, mus[k]));
    }

    private static double mass(double mu, double sigma) {
      return Math.max(1e-12, phi((1 - mu) / sigma) - phi(-mu / sigma));
    }

    private static double phi(double z) {
      return 0.5 * (1 + Erf.erf(z / Math.sqrt(2)));
    }
  }
}
