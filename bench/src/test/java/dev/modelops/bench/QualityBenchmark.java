package dev.modelops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.LearningObjective;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.Scorer;
import dev.modelops.bundle.TrialResult;
import dev.modelops.operator.experiment.BestTrialSelector;
import dev.modelops.operator.experiment.SearchSpace;
import dev.modelops.operator.experiment.TrialOutcome;
import dev.modelops.operator.experiment.TrialPlanner;
import dev.modelops.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * Held-out quality of the real-data examples (house-prices: regression, hpc-jobs: four classes)
 * with k-fold cross-validation: for each fold the trainer runs the example Experiment's search
 * on the other folds as the operator would (its random plan, every trial in-process, the best
 * trial by the objective on the trainer's own validation split), and the winning bundle's Java
 * scorer predicts the held-out fold. Writes the folds, the columns and the figures to
 * target/quality/&lt;example&gt;.json, where tools/quality/forest.py measures the reference forest on
 * the same folds. Not a test: run it with `bash bench/quality/run.sh`.
 */
class QualityBenchmark {
  private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void heldOutQualityOfTheExamples() throws Exception {
    int folds = Integer.getInteger("bench.folds", 5);
    int trialCap = Integer.getInteger("bench.trials", Integer.MAX_VALUE);
    for (String example : System.getProperty("bench.examples", "house-prices,hpc-jobs").split(",")) {
      crossValidate(example.trim(), folds, trialCap);
    }
  }

  private static void crossValidate(String example, int k, int trialCap) throws Exception {
    Path experimentFile = Path.of("../examples", example, "experiment.yaml");
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(experimentFile.toFile(), Experiment.class);
    ExperimentSpec spec = exp.getSpec();
    SchemaDefaults.apply(spec);
    ExperimentSpec.Dataset dataset = spec.getDataset();
    // pvc://<claim>/<path> is <pvc root>/<claim>/<path>; the examples' claim "data" holds examples/data.
    String relative = dataset.getUri().substring("pvc://".length());
    Path csv = Path.of("../examples").resolve(relative).toAbsolutePath().normalize();
    List<String> header;
    List<CSVRecord> rows;
    try (Reader reader = Files.newBufferedReader(csv); CSVParser parser = CSVParser.parse(reader, CSV)) {
      header = parser.getHeaderNames();
      rows = parser.getRecords();
    }
    long seed = dataset.getSeed();
    if (spec.getSearch() == null || SearchSpace.strategy(spec) == TrialPlanner.Strategy.TPE) {
      throw new IllegalArgumentException(experimentFile + ": this benchmark runs an example's grid or random search, and this one has "
          + (spec.getSearch() == null ? "none" : "a TPE search, whose trials come from finished ones"));
    }
    int[] fold = folds(rows.size(), k, seed);
    List<Map<String, String>> plan = TrialPlanner.plan(SearchSpace.dimensions(spec), SearchSpace.strategy(spec),
        spec.getSearch().getMaxTrials(), seed, spec.getSearch().getWarmStart());
    plan = plan.subList(0, Math.min(plan.size(), trialCap));
    boolean lowerIsBetter = spec.getObjective().getMetric().lowerIsBetter();
    System.out.printf("BENCH %s: %d rows, %d folds (seed %d), %d trials per fold (%s search of %s, fixed %s), objective %s on the trainer's validation split%n",
        example, rows.size(), k, seed, plan.size(), SearchSpace.strategy(spec), experimentFile, spec.getAlgorithm().getParams(),
        spec.getObjective().getMetric().key());
    Path work = Files.createTempDirectory("quality-" + example);
    List<Map<String, Object>> ours = new ArrayList<>();
    for (int f = 0; f < k; f++) {
      Path root = work.resolve("fold-" + f);
      Path train = root.resolve(relative);
      Files.createDirectories(train.getParent());
      List<CSVRecord> heldOut = new ArrayList<>();
      try (Writer w = Files.newBufferedWriter(train); CSVPrinter printer = new CSVPrinter(w, CSVFormat.DEFAULT)) {
        printer.printRecord(header);
        for (int i = 0; i < rows.size(); i++) {
          if (fold[i] == f) {
            heldOut.add(rows.get(i));
          } else {
            printer.printRecord(rows.get(i).values());
          }
        }
      }
      List<TrialOutcome> outcomes = new ArrayList<>();
      String failure = "";
      for (int t = 0; t < plan.size(); t++) {
        TrialResult r = train(experimentFile, plan.get(t), root, root.resolve("trial-" + t));
        outcomes.add(new TrialOutcome("trial-" + t, t, r.ok(), r.ok() ? r.objective() : null));
        failure = r.ok() ? failure : r.message();
      }
      String problem = example + " fold " + f + ": no trial succeeded; the last failure: " + failure;
      int best = BestTrialSelector.best(outcomes, lowerIsBetter).orElseThrow(() -> new IllegalStateException(problem)).index();
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("fold", f);
      figures.put("params", plan.get(best));
      figures.put("validation_" + spec.getObjective().getMetric().key(), outcomes.get(best).objective());
      figures.putAll(heldOutFigures(ModelBundle.read(root.resolve("trial-" + best)), heldOut, dataset.getLabel()));
      ours.add(figures);
      System.out.printf("BENCH %s fold %d: best trial %d %s -> held-out %s%n", example, f, best, plan.get(best), figures);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("example", example);
    out.put("csv", csv.toString());
    out.put("label", dataset.getLabel());
    out.put("kind", spec.getAlgorithm().getObjective().task() == LearningObjective.Task.REGRESSION ? "regression" : "multiclass");
    out.put("numeric", dataset.getFeatures().getNumeric() == null ? List.of() : dataset.getFeatures().getNumeric());
    out.put("categorical", dataset.getFeatures().getCategorical() == null ? List.of() : dataset.getFeatures().getCategorical());
    out.put("seed", seed);
    out.put("folds", fold);
    out.put("ours", ours);
    Path results = Path.of("target/quality", example + ".json");
    Files.createDirectories(results.getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(results.toFile(), out);
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); // the folds' CSVs and every trial's bundle
    }
  }

  /** Row i's fold: a seeded shuffle of the rows dealt round the k folds, so the folds differ in size by at most one. */
  static int[] folds(int rows, int k, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    int[] fold = new int[rows];
    for (int p = 0; p < rows; p++) {
      fold[order.get(p)] = p % k;
    }
    return fold;
  }

  private static TrialResult train(Path experimentFile, Map<String, String> params, Path pvcRoot, Path bundle) {
    List<String> args = new ArrayList<>(List.of("--experiment", experimentFile.toString()));
    params.forEach((name, value) -> {
      args.add("--param");
      args.add(name + "=" + value);
    });
    args.add("--output");
    args.add(bundle.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrainerMain.run(args.toArray(String[]::new), new PrintStream(out), new PrintStream(new ByteArrayOutputStream()), pvcRoot, Map.of());
    return TrialResult.parse(TrialResult.lastLine(out.toString(StandardCharsets.UTF_8))).orElseThrow();
  }

  /** RMSE and R² (regression) or accuracy and macro-F1 (multi-class) of the bundle's scorer on the held-out rows. */
  static Map<String, Object> heldOutFigures(ModelBundle bundle, List<CSVRecord> heldOut, String label) {
    List<String> truth = new ArrayList<>();
    List<String> predicted = new ArrayList<>();
    double sse = 0;
    double sum = 0;
    double sumSquares = 0;
    try (Scorer scorer = bundle.newScorer()) {
      for (CSVRecord row : heldOut) {
        Map<String, Object> record = new HashMap<>();
        for (Feature f : bundle.features()) {
          record.put(f.name(), Scorer.fromCell(f, row.get(f.name())));
        }
        if (bundle.kind() == ModelKind.REGRESSION) {
          double y = Double.parseDouble(row.get(label));
          double e = scorer.value(record) - y;
          sse += e * e;
          sum += y;
          sumSquares += y * y;
        } else {
          truth.add(row.get(label));
          predicted.add(bundle.classes().get(ProfileBuilder.predictedClass(scorer.probabilities(record))));
        }
      }
    }
    int n = heldOut.size();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("rows", n);
    if (bundle.kind() == ModelKind.REGRESSION) {
      figures.put("rmse", Math.sqrt(sse / n));
      figures.put("r2", 1 - sse / (sumSquares - sum * sum / n));
      return figures;
    }
    int correct = 0;
    for (int i = 0; i < n; i++) {
      correct += truth.get(i).equals(predicted.get(i)) ? 1 : 0;
    }
    // Macro-F1 over the labels that occur in the truth or the predictions, as scikit-learn's f1_score counts them.
    TreeSet<String> labels = new TreeSet<>(truth);
    labels.addAll(predicted);
    double f1Sum = 0;
    for (String c : labels) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < n; i++) {
        boolean t = truth.get(i).equals(c);
        boolean p = predicted.get(i).equals(c);
        tp += t && p ? 1 : 0;
        fp += !t && p ? 1 : 0;
        fn += t && !p ? 1 : 0;
      }
      f1Sum += tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }
    figures.put("accuracy", (double) correct / n);
    figures.put("macro_f1", f1Sum / labels.size());
    return figures;
  }
}
