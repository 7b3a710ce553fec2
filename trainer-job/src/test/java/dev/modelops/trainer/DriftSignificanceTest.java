package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.bundle.drift.DriftReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The significance tests a DriftPolicy can add for small windows (spec.significanceLevel), on
 * real data: on windows drawn from the no-shift controls of {@link RealShifts} their false-alarm
 * rate must not exceed the nominal level, while on windows of the shifted slices the feature
 * that was shifted is still found. The figures are written to
 * target/drift-significance.md (docs/benchmarks.md has a run).
 */
class DriftSignificanceTest {
  static final double LEVEL = 0.05;
  static final int WINDOWS = 200;
  static final int[] SIZES = {50, 150};

  /** Flags over (window, feature) pairs. */
  static final class Tally {
    long pairs;
    long significant;
    long overThreshold;
    long both;

    void add(DriftReport report) {
      for (DriftReport.FeatureDrift f : report.features()) {
        pairs++;
        boolean sig = f.pValue() != null && f.pValue() < LEVEL;
        boolean over = f.score() >= f.threshold();
        significant += sig ? 1 : 0;
        overThreshold += over ? 1 : 0;
        both += sig && over ? 1 : 0;
      }
    }

    double rate(long count) {
      return pairs == 0 ? 0 : (double) count / pairs;
    }
  }

  @Test
  void onUnshiftedWindowsTheTestsFalseAlarmRateIsAtMostTheLevelAndShiftsAreStillFound() throws Exception {
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
        "| data set | window | no-shift windows: p < %.2f | score over threshold | both (significanceLevel %.2f) | shifted windows: the shifted column flagged with significanceLevel |%n"
            + "|---|---|---|---|---|---|%n", LEVEL, LEVEL));
    Tally all = new Tally();
    Random random = new Random(20);
    DriftReport.Thresholds withTest = DriftReport.Thresholds.defaults().withSignificanceLevel(LEVEL);
    for (RealShifts.Shift s : RealShifts.SHIFTS) {
      RealShifts.Split split = RealShifts.split(s);
      RealShifts.Reference reference = RealShifts.reference(split);
      for (int size : SIZES) {
        Tally control = new Tally();
        int found = 0;
        for (int w = 0; w < WINDOWS; w++) {
          control.add(reference.report(s, sample(split.control(), size, random), DriftReport.Thresholds.defaults()));
          DriftReport shifted = reference.report(s, sample(split.shifted(), size, random), withTest);
          found += shifted.drifted().contains(s.column()) ? 1 : 0;
        }
        all.pairs += control.pairs;
        all.significant += control.significant;
        all.overThreshold += control.overThreshold;
        all.both += control.both;
        table.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.4f | %.4f | %d of %d |%n", s.name(), size,
            control.rate(control.significant), control.rate(control.overThreshold), control.rate(control.both), found, WINDOWS));
        assertThat((double) found / WINDOWS).as("%s, windows of %d: share of shifted windows where %s is flagged", s.name(), size, s.column())
            .isGreaterThanOrEqualTo(0.95);
      }
    }
    table.append(String.format(Locale.ROOT, "| all | | %.4f | %.4f | %.4f | |%n", all.rate(all.significant), all.rate(all.overThreshold), all.rate(all.both)));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/drift-significance.md"), table);
    System.out.println(table);
    assertThat(all.rate(all.significant)).as("false-alarm rate of the significance tests on unshifted windows").isLessThanOrEqualTo(LEVEL);
    assertThat(all.rate(all.both)).as("false-alarm rate with significanceLevel set").isLessThanOrEqualTo(LEVEL);
  }

  /** {@code size} rows drawn without replacement (all of them when there are fewer). */
  private static List<CSVRecord> sample(List<CSVRecord> rows, int size, Random random) {
    List<CSVRecord> copy = new ArrayList<>(rows);
    Collections.shuffle(copy, random);
    return copy.subList(0, Math.min(size, copy.size()));
  }
}
