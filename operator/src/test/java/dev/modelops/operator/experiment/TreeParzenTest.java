package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TreeParzenTest {
  static final List<TrialPlanner.Dimension> SPACE = List.of(
      new TrialPlanner.Dimension("eta", TrialPlanner.Dimension.Kind.DOUBLE, 1e-4, 1.0, null, true, null),
      new TrialPlanner.Dimension("max_depth", TrialPlanner.Dimension.Kind.INT, 2.0, 12.0, null, false, null),
      new TrialPlanner.Dimension("booster", TrialPlanner.Dimension.Kind.CATEGORICAL, null, null, null, false, List.of("gbtree", "dart", "gblinear")));

  /** A loss with its minimum at eta 0.01, max_depth 9, booster dart (lower is better). */
  static double loss(Map<String, String> p) {
    double eta = Math.log10(Double.parseDouble(p.get("eta"))) + 2;
    double depth = (Integer.parseInt(p.get("max_depth")) - 9) / 5.0;
    return eta * eta + depth * depth + ("dart".equals(p.get("booster")) ? 0 : 0.5);
  }

  /** A search of {@code budget} trials, one after another: the best loss, and the median loss of the second half's trials. */
  record Result(double best, double laterMedian) {}

  static Result search(boolean tpe, long seed, int budget) {
    List<Map<String, String>> random = TrialPlanner.random(SPACE, budget, seed);
    List<TreeParzen.Observation> history = new ArrayList<>();
    double best = Double.POSITIVE_INFINITY;
    List<Double> later = new ArrayList<>();
    for (int i = 0; i < budget; i++) {
      Map<String, String> p = tpe && i >= TreeParzen.startupTrials(SPACE.size()) ? TreeParzen.propose(SPACE, seed, i, history, true) : random.get(i);
      double l = loss(p);
      history.add(new TreeParzen.Observation(p, l));
      best = Math.min(best, l);
      if (i >= budget / 2) {
        later.add(l);
      }
    }
    later.sort(null);
    return new Result(best, later.get(later.size() / 2));
  }

  @Test
  void itLearnsFromFinishedTrialsAndBeatsRandomSearchWithTheSameBudget() {
    int wins = 0;
    double[] tpe = new double[2];
    double[] random = new double[2];
    int seeds = 40;
    for (long seed = 1; seed <= seeds; seed++) {
      Result t = search(true, seed, 30);
      Result r = search(false, seed, 30);
      tpe[0] += t.best() / seeds;
      tpe[1] += t.laterMedian() / seeds;
      random[0] += r.best() / seeds;
      random[1] += r.laterMedian() / seeds;
      wins += t.best() < r.best() ? 1 : 0;
    }
    System.out.printf("TPE vs random over %d seeds, 30 trials: mean best loss %.4f vs %.4f, median loss of trials 15-29 %.3f vs %.3f, TPE better in %d%n",
        seeds, tpe[0], random[0], tpe[1], random[1], wins);
    // Its later trials are drawn where the good ones were: their typical loss is far lower ...
    assertThat(tpe[1]).as("median loss of the later trials, TPE vs random %s", random[1]).isLessThan(0.5 * random[1]);
    // ... and it finds the better trial on most seeds.
    assertThat(wins).as("seeds where TPE found the better trial").isGreaterThan(seeds / 2);
    assertThat(tpe[0]).as("mean best loss").isLessThan(random[0]);
  }

  @Test
  void theSameFinishedTrialsGiveTheSameProposalAndEveryValueIsInItsRange() {
    List<TreeParzen.Observation> history = new ArrayList<>();
    for (Map<String, String> p : TrialPlanner.random(SPACE, 8, 42)) {
      history.add(new TreeParzen.Observation(p, loss(p)));
    }
    Map<String, String> a = TreeParzen.propose(SPACE, 42, 8, history, true);
    assertThat(TreeParzen.propose(SPACE, 42, 8, history, true)).isEqualTo(a);
    for (int i = 8; i < 200; i++) {
      Map<String, String> p = TreeParzen.propose(SPACE, 42, i, history, true);
      assertThat(Double.parseDouble(p.get("eta"))).isBetween(1e-4, 1.0);
      assertThat(Integer.parseInt(p.get("max_depth"))).isBetween(2, 12);
      assertThat(p.get("booster")).isIn("gbtree", "dart", "gblinear");
    }
  }

  @Test
  void aHigherIsBetterObjectiveIsMaximised() {
    List<TreeParzen.Observation> history = new ArrayList<>();
    for (Map<String, String> p : TrialPlanner.random(SPACE, 12, 5)) {
      history.add(new TreeParzen.Observation(p, -loss(p)));
    }
    double lowSum = 0;
    double highSum = 0;
    for (int i = 12; i < 60; i++) {
      lowSum += loss(TreeParzen.propose(SPACE, 5, i, history, false));
      highSum += loss(TreeParzen.propose(SPACE, 5, i, history, true));
    }
    assertThat(lowSum).as("proposals maximising -loss have a lower loss than those minimising it").isLessThan(highSum);
  }
}
