package dev.modelops.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of the bundle format: tokens, bins, encoders, record checks, reader errors. */
class BundleFormatTest {
  @TempDir Path tmp;

  @Test
  void tokensAreLowerCaseWordsAndNgramsJoinThem() {
    assertThat(Tokenizer.words("Don't buy it -- 10/10 WORST!")).containsExactly("don't", "buy", "it", "10", "10", "worst");
    assertThat(Tokenizer.ngrams(List.of("a", "b", "c"), 1, 2)).containsExactly("a", "b", "c", "a b", "b c");
  }

  @Test
  void binsAreRightClosedWithOpenEnds() {
    double[] cuts = {1, 2, 3};
    assertThat(ReferenceProfile.binOf(cuts, -5)).isZero();
    assertThat(ReferenceProfile.binOf(cuts, 1)).isZero();
    assertThat(ReferenceProfile.binOf(cuts, 1.5)).isEqualTo(1);
    assertThat(ReferenceProfile.binOf(cuts, 3)).isEqualTo(2);
    assertThat(ReferenceProfile.binOf(cuts, 99)).isEqualTo(3);
  }

  @Test
  void everyCutCountFindsTheBinABinarySearchFinds() {
    java.util.Random random = new java.util.Random(5);
    for (int trial = 0; trial < 2000; trial++) {
      double[] cuts = new double[random.nextInt(40)];
      for (int i = 0; i < cuts.length; i++) {
        cuts[i] = random.nextInt(10) - 5 + (random.nextBoolean() ? 0.5 : 0);
      }
      java.util.Arrays.sort(cuts);
      double[] values = {random.nextInt(12) - 6, random.nextDouble() * 12 - 6, cuts.length > 0 ? cuts[random.nextInt(cuts.length)] : 0,
          Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
      for (double v : values) {
        int lo = 0;
        int hi = cuts.length;
        while (lo < hi) {
          int mid = (lo + hi) >>> 1;
          if (v <= cuts[mid]) {
            hi = mid;
          } else {
            lo = mid + 1;
          }
        }
        assertThat(ReferenceProfile.binOf(cuts, v)).as("%s in %s", v, java.util.Arrays.toString(cuts)).isEqualTo(lo);
      }
    }
  }

  @Test
  void quantileCutsCollapseForDiscreteColumns() {
    assertThat(ProfileBuilder.quantileCuts(new double[] {0, 0, 0, 1, 1}, 10)).containsExactly(0.0);
    assertThat(ProfileBuilder.quantileCuts(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 10)).hasSize(9);
  }

  @Test
  void categoriesBelowTheMinimumCountGoToOther() {
    CategoricalEncoder e = PipelineFitter.fitCategorical("c", new String[] {"a", "a", "a", "b", "b", "rare", null}, 2);
    assertThat(e.categories()).containsExactly("a", "b");
    assertThat(e.columnOf("rare")).isEqualTo(2);
    assertThat(e.columnOf("never-seen")).isEqualTo(2);
    assertThat(e.columnOf(null)).isEqualTo(2);
  }

  @Test
  void numericMissingValuesBecomeTheTrainingMedian() {
    NumericEncoder e = PipelineFitter.fitNumeric("n", new double[] {1, 2, 3, Double.NaN, 100});
    assertThat(e.median()).isEqualTo(2.5);
    assertThat(e.encode(Double.NaN)).isEqualTo(e.encode(2.5));
  }

  @Test
  void recordsAreCheckedFieldByField() {
    Feature num = new Feature("tenure", FeatureType.NUMERIC);
    Feature cat = new Feature("contract", FeatureType.CATEGORICAL);
    Feature text = new Feature("review", FeatureType.TEXT);
    assertThat(Scorer.convert(num, 3)).isEqualTo(3.0);
    assertThat(Scorer.convert(cat, 1)).isEqualTo("1");
    assertThat(Scorer.convert(num, null)).isNull();
    assertThatThrownBy(() -> Scorer.convert(num, "three")).isInstanceOf(RecordException.class).hasMessage("tenure: must be a number, got a string \"three\"");
    assertThatThrownBy(() -> Scorer.convert(num, Double.NaN)).hasMessageContaining("tenure: must be a finite number");
    assertThatThrownBy(() -> Scorer.convert(num, Double.POSITIVE_INFINITY)).hasMessageContaining("finite");
    assertThatThrownBy(() -> Scorer.convert(text, 5)).hasMessageContaining("review: must be text");
    assertThatThrownBy(() -> Scorer.fromCell(num, "abc")).hasMessage("tenure: must be a number, got \"abc\"");
    assertThat(Scorer.fromCell(num, "NA")).isNull();
  }

  @Test
  void aMissingOrCorruptBundleIsRefusedWithOneClearMessage() throws Exception {
    assertThatThrownBy(() -> ModelBundle.read(tmp.resolve("nope"))).isInstanceOf(BundleException.class).hasMessageContaining("does not exist");
    Path dir = Files.createDirectories(tmp.resolve("b"));
    assertThatThrownBy(() -> ModelBundle.read(dir)).hasMessageContaining("has no manifest.json");
    FeaturePipeline pipeline = new FeaturePipeline(List.of(new NumericEncoder("x", 0, 0, 1)), List.of(), List.of(), null);
    Manifest manifest = new Manifest(1, "m", "xgboost", pipeline.features(), "y", "1", "now", Map.of(), Map.of(), null, null);
    ReferenceProfile profile = new ReferenceProfile(0, List.of(), List.of(), List.of(), new ReferenceProfile.Binned(new double[0], new double[] {1}));
    ModelBundle.write(dir, manifest, pipeline, profile, "not a model".getBytes());
    assertThatThrownBy(() -> ModelBundle.read(dir)).hasMessageContaining("the model file is corrupt");
    Files.writeString(dir.resolve("pipeline.json"), "{ broken");
    assertThatThrownBy(() -> ModelBundle.read(dir)).hasMessageContaining("pipeline.json is corrupt");
    Files.writeString(dir.resolve("manifest.json"), Files.readString(dir.resolve("manifest.json")).replace("\"formatVersion\" : 1", "\"formatVersion\" : 7"));
    assertThatThrownBy(() -> ModelBundle.read(dir)).hasMessageContaining("format version 7");
  }

  @Test
  void anAbsentFeatureIsAnErrorButNullIsAMissingValue() {
    FeaturePipeline pipeline = new FeaturePipeline(
        List.of(new NumericEncoder("x", 5, 5, 2)), List.of(new CategoricalEncoder("c", List.of("a"))), List.of(), null);
    Scorer s = new Scorer(pipeline, null);
    Map<String, Object> record = new HashMap<>();
    record.put("x", null);
    assertThatThrownBy(() -> s.values(record)).isInstanceOf(RecordException.class).hasMessageContaining("c: missing feature");
    record.put("c", "zzz");
    Object[] values = s.values(record);
    EncodedRow row = new EncodedRow();
    pipeline.encode(values, row);
    assertThat(row.size()).isEqualTo(2);
    assertThat(row.value(0)).isEqualTo(0f); // median 5, standardised around mean 5
    assertThat(row.column(1)).isEqualTo(2); // "other"
  }
}
