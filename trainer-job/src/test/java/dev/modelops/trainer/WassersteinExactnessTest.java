package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.bundle.RawTable;
import dev.modelops.bundle.drift.DriftReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The normed Wasserstein distance the server computes from its mergeable bins (counts and sums per
 * bin) against the exact distance between the raw reference and live values (the area between
 * their empirical distribution functions, divided by the reference's standard deviation, as
 * Evidently computes it with {@code scipy.stats.wasserstein_distance}), on every numeric column of
 * more than {@link DriftReport#MAX_CATEGORY_VALUES} values of the real shifts and their controls.
 * The table is written to target/wasserstein-exactness.md.
 */
class WassersteinExactnessTest {
  /** The largest relative gap allowed between the binned and the exact distance. */
  private static final double RELATIVE_TOLERANCE = 0.01;

  record Gap(String shift, String set, String feature, double binned, double exact) {
    double relative() {
      return Math.abs(binned - exact) / exact;
    }
  }

  @Test
  void theBinnedDistanceIsWithinOnePercentOfTheExactOne() throws IOException {
    List<Gap> gaps = new ArrayList<>();
    for (RealShifts.Shift s : RealShifts.SHIFTS) {
      RealShifts.Split split = RealShifts.split(s);
      RealShifts.Reference reference = RealShifts.reference(split);
      RawTable train = RealShifts.table(s.features(), split.reference());
      gaps.addAll(gaps(s, "control", reference, train, split.control()));
      gaps.addAll(gaps(s, "shift", reference, train, split.shifted()));
    }
    StringBuilder table = new StringBuilder("| shift | set | feature | binned | exact | gap |\n|---|---|---|---|---|---|\n");
    gaps.forEach(g -> table.append(String.format(Locale.ROOT, "| %s | %s | %s | %.5f | %.5f | %.3f%% |%n",
        g.shift(), g.set(), g.feature(), g.binned(), g.exact(), 100 * g.relative())));
    long within = gaps.stream().filter(g -> g.relative() <= RELATIVE_TOLERANCE).count();
    table.append(String.format(Locale.ROOT, "%nwithin %.0f%%: %d of %d; largest gap %.3f%%%n", 100 * RELATIVE_TOLERANCE, within, gaps.size(),
        100 * gaps.stream().mapToDouble(Gap::relative).max().orElse(0)));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/wasserstein-exactness.md"), table);
    System.out.println(table);

    assertThat(gaps).as("continuous columns compared").hasSizeGreaterThan(30);
    assertThat(gaps.stream().filter(g -> g.relative() > RELATIVE_TOLERANCE))
        .as("columns whose binned distance is more than 1%% from the exact one").isEmpty();
  }

  private static List<Gap> gaps(RealShifts.Shift s, String set, RealShifts.Reference reference, RawTable train, List<CSVRecord> live) {
    DriftReport report = reference.report(s, live, DriftReport.Thresholds.defaults());
    RawTable current = RealShifts.table(s.features(), live);
    List<Gap> out = new ArrayList<>();
    for (DriftReport.FeatureDrift f : report.features()) {
      if (!"wasserstein".equals(f.statistic())) {
        continue;
      }
      int column = s.features().stream().map(x -> x.name()).toList().indexOf(f.name());
      double[] ref = present(train.numeric(column));
      double[] cur = present(current.numeric(column));
      out.add(new Gap(s.name(), set, f.name(), f.score(), exact(ref, cur) / Math.max(std(ref), 0.001)));
    }
    return out;
  }

  private static double[] present(double[] values) {
    return Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
  }

  /** The area between the two empirical distribution functions (both sorted). */
  static double exact(double[] a, double[] b) {
    double area = 0;
    int i = 0;
    int j = 0;
    double x = Math.min(a[0], b[0]);
    while (i < a.length || j < b.length) {
      double next = Math.min(i < a.length ? a[i] : Double.POSITIVE_INFINITY, j < b.length ? b[j] : Double.POSITIVE_INFINITY);
      area += Math.abs((double) i / a.length - (double) j / b.length) * (next - x);
      while (i < a.length && a[i] == next) {
        i++;
      }
      while (j < b.length && b[j] == next) {
        j++;
      }
      x = next;
    }
    return area;
  }

  private static double std(double[] v) {
    double mean = Arrays.stream(v).average().orElse(0);
    return Math.sqrt(Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length);
  }
}
