package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelops.operator.experiment.TrialPlanner.Dimension;
import dev.modelops.operator.experiment.TrialPlanner.Dimension.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure decisions of an Experiment: planning, best trial, version numbers, promotion. */
class DecisionRulesTest {
  static final Dimension DEPTH = new Dimension("max_depth", Kind.INT, 2.0, 4.0, null, false, null);
  static final Dimension ETA = new Dimension("eta", Kind.DOUBLE, 0.01, 0.3, null, true, null);
  static final Dimension BOOSTER = new Dimension("booster", Kind.CATEGORICAL, null, null, null, false, List.of("gbtree", "dart"));

  @Test
  void anEmptySearchSpaceIsOneTrialWithTheFixedParamsWhateverTheBudget() {
    for (TrialPlanner.Strategy strategy : TrialPlanner.Strategy.values()) {
      assertThat(TrialPlanner.plan(List.of(), strategy, 10, 1)).as(strategy.toString()).containsExactly(Map.of());
      assertThat(TrialPlanner.plan(List.of(), strategy, 1, 1)).as(strategy.toString()).containsExactly(Map.of());
    }
  }

  @Test
  void gridTriesEveryCombinationInOrderWithinTheBudget() {
    List<Map<String, String>> plan = TrialPlanner.plan(List.of(DEPTH, BOOSTER), TrialPlanner.Strategy.GRID, 100, 1);
    assertThat(plan).hasSize(6);
    assertThat(plan.get(0)).containsExactly(Map.entry("max_depth", "2"), Map.entry("booster", "gbtree"));
    assertThat(plan.get(1)).containsEntry("booster", "dart").containsEntry("max_depth", "2");
    assertThat(plan.get(5)).containsEntry("max_depth", "4").containsEntry("booster", "dart");
    assertThat(TrialPlanner.plan(List.of(DEPTH, BOOSTER), TrialPlanner.Strategy.GRID, 4, 1)).hasSize(4);
    Dimension stepped = new Dimension("subsample", Kind.DOUBLE, 0.5, 1.0, 0.25, false, null);
    assertThat(TrialPlanner.plan(List.of(stepped), TrialPlanner.Strategy.GRID, 10, 1)).extracting(m -> m.get("subsample")).containsExactly("0.5", "0.75", "1");
  }

  @Test
  void roundedParametersNeverLeaveTheirRange() {
    // Bounds with more than 6 significant digits: plain rounding would step outside them.
    assertThat(TrialPlanner.format(0.12345666, 0.1, 0.12345666)).isEqualTo("0.12345666");
    assertThat(TrialPlanner.format(0.12345641, 0.12345641, 0.2)).isEqualTo("0.12345641");
    assertThat(TrialPlanner.format(0.5, 0.1, 0.9)).isEqualTo("0.5");
    Dimension narrow = new Dimension("eta", Kind.DOUBLE, 0.10000011, 0.10000049, null, false, null);
    for (Map<String, String> trial : TrialPlanner.plan(List.of(narrow), TrialPlanner.Strategy.RANDOM, 200, 3)) {
      assertThat(Double.parseDouble(trial.get("eta"))).isBetween(narrow.min(), narrow.max());
    }
  }

  @Test
  void aGridOverADoubleWithoutStepIsRefusedNamingTheField() {
    assertThatThrownBy(() -> TrialPlanner.plan(List.of(DEPTH, ETA), TrialPlanner.Strategy.GRID, 10, 1))
        .hasMessageContaining("spec.search.parameters[1].step is required").hasMessageContaining("'eta'");
  }

  @Test
  void randomSearchIsDeterministicPerSeedAndStaysInBounds() {
    List<Map<String, String>> a = TrialPlanner.plan(List.of(DEPTH, ETA, BOOSTER), TrialPlanner.Strategy.RANDOM, 200, 7);
    assertThat(a).isEqualTo(TrialPlanner.plan(List.of(DEPTH, ETA, BOOSTER), TrialPlanner.Strategy.RANDOM, 200, 7));
    assertThat(a).isNotEqualTo(TrialPlanner.plan(List.of(DEPTH, ETA, BOOSTER), TrialPlanner.Strategy.RANDOM, 200, 8));
    assertThat(a).allSatisfy(t -> {
      assertThat(Integer.parseInt(t.get("max_depth"))).isBetween(2, 4);
      assertThat(Double.parseDouble(t.get("eta"))).isBetween(0.01, 0.3);
      assertThat(t.get("booster")).isIn("gbtree", "dart");
    });
    assertThat(a).extracting(t -> t.get("max_depth")).contains("2", "3", "4");
    // Log scale: about half the samples of [0.01, 0.3] fall below its geometric mean 0.055.
    long small = a.stream().filter(t -> Double.parseDouble(t.get("eta")) < Math.sqrt(0.01 * 0.3)).count();
    assertThat(small).isBetween(70L, 130L);
  }

  @Test
  void noSearchSpaceMeansOneTrialWithTheFixedParameters() {
    assertThat(TrialPlanner.plan(List.of(), TrialPlanner.Strategy.RANDOM, 10, 1)).containsExactly(Map.of());
  }

  @Test
  void theBestTrialMaximisesOrMinimisesAndIgnoresFailures() {
    List<TrialOutcome> trials = List.of(
        new TrialOutcome("t0", 0, true, 0.80), new TrialOutcome("t1", 1, false, null),
        new TrialOutcome("t2", 2, true, 0.84), new TrialOutcome("t3", 3, true, 0.84));
    assertThat(BestTrialSelector.best(trials, false)).get().extracting(TrialOutcome::name).isEqualTo("t2");
    assertThat(BestTrialSelector.best(trials, true)).get().extracting(TrialOutcome::name).isEqualTo("t0");
    assertThat(BestTrialSelector.best(List.of(new TrialOutcome("t1", 1, false, null)), false)).isEmpty();
  }

  @Test
  void versionsCountUpFromOne() {
    assertThat(VersionNumbering.next(List.of())).isEqualTo(1);
    assertThat(VersionNumbering.next(List.of(1, 4, 2))).isEqualTo(5);
  }

  @Test
  void autoPromotionNeedsToBeatTheCurrentProductionVersion() {
    assertThat(PromotionRule.stageFor(true, 0.84, null, false)).isEqualTo(PromotionRule.Stage.Production);
    assertThat(PromotionRule.stageFor(true, 0.84, 0.82, false)).isEqualTo(PromotionRule.Stage.Production);
    assertThat(PromotionRule.stageFor(true, 0.80, 0.82, false)).isEqualTo(PromotionRule.Stage.Staging);
    assertThat(PromotionRule.stageFor(true, 0.82, 0.82, false)).isEqualTo(PromotionRule.Stage.Staging);
    assertThat(PromotionRule.stageFor(true, 0.30, 0.35, true)).isEqualTo(PromotionRule.Stage.Production);
    assertThat(PromotionRule.stageFor(false, 0.99, 0.5, false)).isEqualTo(PromotionRule.Stage.None);
  }
}
