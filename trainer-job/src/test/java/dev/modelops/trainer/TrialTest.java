package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelops.bundle.Feature;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.Scorer;
import dev.modelops.bundle.StorageLocation;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains on the real datasets and checks what a user of the bundle relies on. */
class TrialTest {
  @TempDir Path tmp;

  private Trial.Outcome train(String yaml, Map<String, String> params, String out) throws Exception {
    Path exp = Fixtures.write(tmp, "exp-" + out + ".yaml", yaml);
    return Trial.run(ExperimentLoader.read(exp), tmp, params, tmp.resolve(out).toString(), StorageLocation.pvcRoot());
  }

  @Test
  void theBundleReaderScoresEveryValidationRowExactlyAsTraining() throws Exception {
    String yaml = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "");
    Trial.Outcome o = train(yaml, Map.of("max_depth", "4"), "churn");

    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    List<Map<String, Object>> rows = rawRecords(Fixtures.DATA.resolve("telco-churn.csv"), bundle.features());
    assertThat(o.validationRows()).hasSizeGreaterThan(1000);
    try (Scorer scorer = bundle.newScorer()) {
      for (int i = 0; i < o.validationRows().length; i++) {
        double p = scorer.score(rows.get(o.validationRows()[i]));
        assertThat(p).as("validation row %d", o.validationRows()[i]).isCloseTo(o.validationPredictions()[i][0], within(1e-6));
      }
    }
    assertThat(o.metrics()).containsKeys("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss");
    assertThat(o.metrics().get("roc_auc")).isGreaterThan(0.8);
    assertThat(o.objective()).isEqualTo(o.metrics().get("roc_auc"));
    assertThat(o.confusion().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(o.validationRows().length);
    assertThat(bundle.manifest().data().sha256()).hasSize(64);
    assertThat(bundle.manifest().params()).containsEntry("max_depth", "4").containsEntry("num_round", "60");
    assertThat(bundle.profile().numeric()).hasSize(4);
    assertThat(bundle.profile().numeric().get(0).cuts()).isNotEmpty();
    assertThat(bundle.profile().categorical().get(0).proportions()).hasSize(bundle.pipeline().categorical().get(0).width());
  }

  @Test
  void earlyStoppingFindsTheRoundsOnTheValidationSplitAndTheBundleHoldsJustThose() throws Exception {
    String many = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "").replace("num_round: 60", "num_round: 1500");
    Trial.Outcome all = train(many, Map.of("max_depth", "6", "eta", "0.3"), "all-rounds");
    Trial.Outcome stopped = train(many.replace("num_round: 1500", "num_round: 1500\n      early_stopping_rounds: 20"),
        Map.of("max_depth", "6", "eta", "0.3"), "early");
    int rounds = Integer.parseInt(stopped.params().get("num_round"));
    assertThat(rounds).as("the rounds early stopping found").isBetween(2, 1499);
    assertThat(all.params()).containsEntry("num_round", "1500");
    // 1,500 rounds of depth-6 trees at eta 0.3 overfit; stopping at the best validation loss does not.
    assertThat(stopped.metrics().get("log_loss")).as("validation log loss, stopped vs all %s", all.metrics().get("log_loss"))
        .isLessThan(all.metrics().get("log_loss"));
    ModelBundle bundle = ModelBundle.read(stopped.bundleDir());
    assertThat(bundle.manifest().params()).containsEntry("num_round", Integer.toString(rounds)).containsEntry("early_stopping_rounds", "20");
    List<Map<String, Object>> rows = rawRecords(Fixtures.DATA.resolve("telco-churn.csv"), bundle.features());
    try (Scorer scorer = bundle.newScorer()) {
      for (int i = 0; i < stopped.validationRows().length; i += 7) {
        assertThat(scorer.score(rows.get(stopped.validationRows()[i]))).isCloseTo(stopped.validationPredictions()[i][0], within(1e-6));
      }
    }
    // The same parameters without early stopping train the same model again.
    Trial.Outcome again = train(many.replace("num_round: 1500", "num_round: " + rounds), Map.of("max_depth", "6", "eta", "0.3"), "again");
    assertThat(again.metrics().get("log_loss")).isEqualTo(stopped.metrics().get("log_loss"));
  }

  @Test
  void anEarlyStoppingThatIsNotAWholeNumberIsRefusedNamingIt() {
    String yaml = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "").replace("num_round: 60", "num_round: 60\n      early_stopping_rounds: 2.5");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> train(yaml, Map.of("max_depth", "3"), "bad-es"))
        .isInstanceOf(TrainerInputException.class).hasMessageContaining("early_stopping_rounds=2.5").hasMessageContaining("whole number");
  }

  @Test
  void dartAndLinearModelsAlsoScoreEveryValidationRowAsTraining() throws Exception {
    String churn = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "")
        .replace("num_round: 60", "num_round: 60\n      rate_drop: 0.1");
    Trial.Outcome dart = train(churn, Map.of("booster", "dart", "max_depth", "5"), "dart");
    assertSameAsTraining(dart, Fixtures.DATA.resolve("telco-churn.csv"), "dart");

    Trial.Outcome text = train(Fixtures.sentiment(""), Map.of(), "linear-text");
    assertSameAsTraining(text, Fixtures.DATA.resolve("review-sentiment.csv"), "gblinear");
  }

  private static void assertSameAsTraining(Trial.Outcome o, Path csv, String booster) throws Exception {
    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    assertThat(bundle.model().booster()).isEqualTo(booster);
    List<Map<String, Object>> rows = rawRecords(csv, bundle.features());
    try (Scorer scorer = bundle.newScorer()) {
      for (int i = 0; i < o.validationRows().length; i++) {
        assertThat(scorer.score(rows.get(o.validationRows()[i])))
            .as("%s validation row %d", booster, o.validationRows()[i]).isCloseTo(o.validationPredictions()[i][0], within(1e-6));
      }
    }
  }

  @Test
  void sameDataSpecParamsAndSeedGiveAByteIdenticalModel() throws Exception {
    String yaml = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "");
    Trial.Outcome a = train(yaml, Map.of("max_depth", "5", "eta", "0.2"), "a");
    Trial.Outcome b = train(yaml, Map.of("max_depth", "5", "eta", "0.2"), "b");
    assertThat(Files.readAllBytes(a.bundleDir().resolve("model.ubj"))).isEqualTo(Files.readAllBytes(b.bundleDir().resolve("model.ubj")));
    assertThat(Files.readString(a.bundleDir().resolve("pipeline.json"))).isEqualTo(Files.readString(b.bundleDir().resolve("pipeline.json")));

    Trial.Outcome c = train(yaml.replace("seed: 7", "seed: 8"), Map.of("max_depth", "5", "eta", "0.2"), "c");
    assertThat(Files.readAllBytes(c.bundleDir().resolve("model.ubj"))).isNotEqualTo(Files.readAllBytes(a.bundleDir().resolve("model.ubj")));
  }

  @Test
  void textModelsTrainOnTfIdfAndScoreRawText() throws Exception {
    Trial.Outcome o = train(Fixtures.sentiment(""), Map.of(), "text");
    assertThat(o.metrics().get("roc_auc")).isGreaterThan(0.8);
    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    assertThat(bundle.profile().text().get(0).lengthProportions()).isNotEmpty();
    assertThat(bundle.profile().text().get(0).terms()).isEqualTo(bundle.pipeline().text().get(0).terms());
    assertThat(bundle.profile().text().get(0).termProportions()).hasSize(bundle.profile().text().get(0).terms().size());
    try (Scorer scorer = bundle.newScorer()) {
      double good = scorer.score(Map.of("text", "Great phone, excellent value, works perfectly."));
      double bad = scorer.score(Map.of("text", "Terrible. It broke after a day and support was useless."));
      assertThat(good).isGreaterThan(0.5).isGreaterThan(bad);
    }
  }

  @Test
  void mutualInformationKeepsTheTopKEncodedColumns() throws Exception {
    String yaml = Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), """
          featureSelection:
            method: mutualInformation
            topK: 6
        """);
    Trial.Outcome o = train(yaml, Map.of(), "mi");
    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    assertThat(bundle.pipeline().width()).isEqualTo(6);
    List<String> kept = new ArrayList<>();
    for (int c : bundle.pipeline().selected()) {
      kept.add(bundle.pipeline().columnName(c));
    }
    // Contract and tenure are the strongest churn signals in this data.
    assertThat(kept).contains("tenure", "contract=Month-to-month");
    List<Map<String, Object>> rows = rawRecords(Fixtures.DATA.resolve("telco-churn.csv"), bundle.features());
    try (Scorer scorer = bundle.newScorer()) {
      for (int i = 0; i < 200; i++) {
        assertThat(scorer.score(rows.get(o.validationRows()[i]))).isCloseTo(o.validationPredictions()[i][0], within(1e-6));
      }
    }
  }

  @Test
  void theSplitIsStratifiedAndDeterministic() {
    int[] labels = new int[1000];
    for (int i = 0; i < 300; i++) {
      labels[i * 3] = 1;
    }
    int[][] a = Trial.stratifiedSplit(labels, 0.2, 1);
    int[][] b = Trial.stratifiedSplit(labels, 0.2, 1);
    assertThat(a[1]).isEqualTo(b[1]);
    assertThat(a[1]).hasSize(200);
    long positives = java.util.Arrays.stream(a[1]).filter(i -> labels[i] == 1).count();
    assertThat(positives).isEqualTo(60);
    assertThat(Trial.stratifiedSplit(labels, 0.2, 2)[1]).isNotEqualTo(a[1]);
  }

  /** Reads the CSV again as a server would receive it: one JSON-like record per row. */
  static List<Map<String, Object>> rawRecords(Path csv, List<Feature> features) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(csv)) {
      for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
        Map<String, Object> m = new HashMap<>();
        for (Feature f : features) {
          m.put(f.name(), Scorer.fromCell(f, rec.get(f.name()).trim()));
        }
        out.add(m);
      }
    }
    return out;
  }
}
