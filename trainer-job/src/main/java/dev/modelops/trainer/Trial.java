package dev.modelops.trainer;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.LearningObjective;
import dev.modelops.bundle.CsrBuilder;
import dev.modelops.bundle.FeaturePipeline;
import dev.modelops.bundle.Manifest;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.MutualInformation;
import dev.modelops.bundle.PipelineFitter;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.RawTable;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.storage.S3Uri;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/** One trial: load, split, fit features, train, evaluate, write the bundle. */
final class Trial {
  /** What a finished trial reports. */
  record Outcome(
      double objective,
      Map<String, Double> metrics,
      Map<String, Long> confusion,
      /* A multi-class model's precision, recall and f1 per class; null for the other kinds. */
      Map<String, Map<String, Double>> classMetrics,
      String bundleUri,
      /* The bundle folder on this machine; null when it was written to S3 (and the local copy removed). */
      Path bundleDir,
      Map<String, String> params,
      Map<String, Long> timings,
      int[] validationRows,
      /* XGBoost's predictions for the validation rows by the evaluated model (before any refit): one per row (a probability or a value), or K class probabilities per row. */
      double[][] validationPredictions,
      /* The data's SHA-256 and the bundle's manifest.json, for tracking. */
      String dataSha256,
      byte[] manifest) {}

  private Trial() {}

  /**
   * Runs one trial of {@code spec}, whose schema defaults are filled in ({@link ExperimentLoader}
   * does it); pvc:// locations are under {@code pvcRoot}.
   */
  static Outcome run(ExperimentSpec spec, Path experimentDir, Map<String, String> trialValues, String output, Path pvcRoot) {
    long t0 = System.nanoTime();
    Map<String, Long> timings = new LinkedHashMap<>();
    Map<String, String> checked = TrialParameters.checkTrialValues(spec, trialValues);
    Map<String, String> params = new TreeMap<>(TrialParameters.fixed(spec));
    params.putAll(checked);
    ExperimentSpec.Dataset ds = spec.getDataset();
    LearningObjective objective = spec.getAlgorithm().getObjective();
    TrialParameters.Booster booster = TrialParameters.booster(params, ds.getSeed(), objective);
    Path outDir = outputDir(output, pvcRoot);
    CsvLoader.Data data = load(ds, experimentDir, pvcRoot, objective);
    timings.put("loadMs", ms(t0));

    long t1 = System.nanoTime();
    Split split = split(data, ds);
    Encoded encoded = encode(spec, split);
    timings.put("featuresMs", ms(t1));

    long t2 = System.nanoTime();
    Trained trained = train(booster, data.classes(), params, split, encoded);
    timings.put("trainMs", ms(t2));

    long t3 = System.nanoTime();
    Evaluation.Result eval = switch (objective.task()) {
      case BINARY -> Evaluation.evaluate(split.validLabels(), column(trained.validPredictions()));
      case REGRESSION -> Evaluation.regression(toDouble(split.validTargets()), column(trained.validPredictions()));
      case MULTICLASS -> Evaluation.multiClass(split.validLabels(), trained.validPredictions(), data.classes());
    };
    String metric = spec.getObjective().getMetric().key();
    Double objectiveValue = eval.metrics().get(metric);
    if (objectiveValue == null) {
      throw new TrainerInputException(Reason.BadSpec, "spec.objective.metric " + metric + " does not fit spec.algorithm.objective "
          + objective.key() + "; it is measured by " + String.join(", ", eval.metrics().keySet()));
    }
    timings.put("evaluateMs", ms(t3));

    if (booster.earlyStoppingRounds() > 0) {
      // The rounds early stopping found: what the bundle holds, and what trains it again without early stopping.
      params.put(TrialParameters.ROUNDS, Integer.toString(trained.rounds()));
      params.remove("n_estimators");
    }
    if (Boolean.TRUE.equals(ds.getRefit())) {
      // After evaluation, so the metrics stay those of the model that never saw the validation rows.
      long refitStart = System.nanoTime();
      trained = refit(booster, data, params, split, encoded, trained);
      timings.put("refitMs", ms(refitStart));
    }
    long t4 = System.nanoTime();
    write(spec, data, split, encoded, trained, eval, params, outDir);
    byte[] manifest = readManifest(outDir);
    String bundleUri = output.contains("://") ? output : outDir.toAbsolutePath().toString();
    Path bundleDir = outDir;
    if (S3Uri.is(output)) {
      S3Uri target = Locations.s3(output, "--output", Reason.BadOutput);
      Locations.upload(outDir, target);
      deleteFolder(outDir);
      bundleUri = target.toString();
      bundleDir = null;
    }
    timings.put("writeMs", ms(t4));
    timings.put("totalMs", ms(t0));
    return new Outcome(objectiveValue, eval.metrics(), eval.confusion(), eval.classMetrics(), bundleUri, bundleDir, params, timings,
        split.validRows(), trained.validPredictions(), data.sha256(), manifest);
  }

  private static byte[] readManifest(Path outDir) {
    try {
      return java.nio.file.Files.readAllBytes(outDir.resolve(dev.modelops.bundle.ModelBundle.MANIFEST));
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadOutput, "cannot read back the bundle's manifest in " + outDir + ": " + e.getMessage());
    }
  }

  /**
   * The training and validation rows (a classifier's both holding both classes), their labels as
   * XGBoost takes them, and a classifier's class indices (null for a regression).
   */
  private record Split(RawTable train, RawTable valid, int[] trainLabels, int[] validLabels, float[] trainTargets, float[] validTargets,
      int[] validRows) {}

  /** The fitted (and possibly selected) feature pipeline with both splits encoded by it. */
  private record Encoded(FeaturePipeline pipeline, Csr train, Csr valid) {}

  /**
   * The model (UBJ), its predictions on the validation split (one per row, or one per class), a
   * regression's predictions on the training split (its drift bins; else null), how many rounds
   * it was trained for, on how many rows, and whether it was refit: trained again on the training
   * and validation rows after the predictions were taken.
   */
  private record Trained(byte[] model, double[][] validPredictions, double[] trainPredictions, int rounds, int rows, boolean refit) {}

  private static CsvLoader.Data load(ExperimentSpec.Dataset ds, Path experimentDir, Path pvcRoot, LearningObjective objective) {
    try (InputStream in = Locations.open(ds.getUri(), experimentDir, pvcRoot)) {
      return CsvLoader.load(in, ds.getUri(), ds, objective);
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadData, "cannot read the dataset " + ds.getUri() + ": " + e.getMessage());
    }
  }

  private static Split split(CsvLoader.Data data, ExperimentSpec.Dataset ds) {
    double share = ds.getValidationSplit();
    boolean regression = data.labels() == null;
    int[][] parts = regression ? randomSplit(data.table().rows(), share, ds.getSeed()) : stratifiedSplit(data.labels(), share, ds.getSeed());
    float[] targets = data.targets();
    Split split = new Split(data.table().select(parts[0]), data.table().select(parts[1]),
        regression ? null : pick(data.labels(), parts[0]), regression ? null : pick(data.labels(), parts[1]),
        pick(targets, parts[0]), pick(targets, parts[1]), parts[1]);
    if (split.valid().rows() == 0 || split.train().rows() == 0) {
      throw new TrainerInputException(Reason.BadData, "the dataset has too few rows (" + data.table().rows() + ") for spec.dataset.validationSplit " + share);
    }
    if (regression || data.classes() != null) {
      return split;
    }
    int validPositives = Arrays.stream(split.validLabels()).sum();
    int trainPositives = Arrays.stream(split.trainLabels()).sum();
    if (validPositives == 0 || validPositives == split.validLabels().length || trainPositives == 0 || trainPositives == split.trainLabels().length) {
      throw new TrainerInputException(
          Reason.BadData,
          "the training or validation split of " + data.table().rows() + " rows lacks one class (positiveClass '" + ds.getPositiveClass()
              + "' in " + Arrays.stream(data.labels()).sum() + " rows); add rows of the rarer class or change spec.dataset.validationSplit");
    }
    return split;
  }

  private static Encoded encode(ExperimentSpec spec, Split split) {
    ExperimentSpec.Features f = spec.getDataset().getFeatures();
    ExperimentSpec.TextOptions text = f.getTextOptions();
    PipelineFitter.Options options = new PipelineFitter.Options(f.getCategoricalMinCount(), text.getNgramMin(), text.getNgramMax(),
        text.getMaxVocabulary(), text.getMinDocumentFrequency());
    FeaturePipeline pipeline = PipelineFitter.fit(split.train(), options);
    Csr trainCsr = Csr.encode(pipeline, split.train());
    ExperimentSpec.FeatureSelection selection = spec.getFeatureSelection();
    if (selection != null && selection.getMethod() == ExperimentSpec.SelectionMethod.MUTUAL_INFORMATION && selection.getTopK() != null
        && selection.getTopK() < pipeline.width()) {
      if (spec.getAlgorithm().getObjective().task() != LearningObjective.Task.BINARY) {
        throw new TrainerInputException(Reason.BadSpec, "spec.featureSelection.method mutualInformation ranks features against a binary"
            + " label; spec.algorithm.objective " + spec.getAlgorithm().getObjective().key() + " has none: set method none");
      }
      int[] top = MutualInformation.topK(trainCsr.headers, trainCsr.cols, trainCsr.vals, pipeline.width(), pipeline.numeric().size(),
          split.trainLabels(), selection.getTopK());
      pipeline = pipeline.select(top);
      trainCsr = Csr.encode(pipeline, split.train());
    }
    return new Encoded(pipeline, trainCsr, Csr.encode(pipeline, split.valid()));
  }

  private static Trained train(TrialParameters.Booster booster, List<String> classes, Map<String, String> params, Split split, Encoded encoded) {
    Booster model = null;
    DMatrix dtrain = null;
    int width = encoded.pipeline().width();
    Map<String, Object> boosterParams = booster.paramsFor(classes, split.trainTargets());
    try {
      dtrain = encoded.train().matrix(width);
      dtrain.setLabel(split.trainTargets());
      int rounds = booster.rounds();
      if (booster.earlyStoppingRounds() > 0) {
        rounds = bestRounds(booster, boosterParams, dtrain, split, encoded, width);
      }
      model = XGBoost.train(dtrain, boosterParams, rounds, Map.of(), null, null);
      double[] trainPredictions = split.trainLabels() == null ? column(predict(model, encoded.train(), width)) : null;
      return new Trained(model.toByteArray("ubj"), predict(model, encoded.valid(), width), trainPredictions, rounds, split.train().rows(), false);
    } catch (XGBoostError e) {
      throw failure(e, params);
    } finally {
      dispose(model, dtrain);
    }
  }

  /**
   * Refit (spec.dataset.refit): the evaluated model's parameters and number of rounds, trained
   * again on every row (the training and validation splits together, in the data's order). The
   * rows are encoded by the pipeline fitted on the training split, and the booster parameters are
   * the evaluated model's (a pseudo-Huber base_score stays the training labels' median), so only
   * the rows differ. The validation and training predictions are kept: the drift reference stays
   * that of the evaluated model, on rows it did not learn from.
   */
  private static Trained refit(TrialParameters.Booster booster, CsvLoader.Data data, Map<String, String> params, Split split, Encoded encoded,
      Trained evaluated) {
    Booster model = null;
    DMatrix dall = null;
    int width = encoded.pipeline().width();
    try {
      dall = Csr.encode(encoded.pipeline(), data.table()).matrix(width);
      dall.setLabel(data.targets());
      model = XGBoost.train(dall, booster.paramsFor(data.classes(), split.trainTargets()), evaluated.rounds(), Map.of(), null, null);
      return new Trained(model.toByteArray("ubj"), evaluated.validPredictions(), evaluated.trainPredictions(), evaluated.rounds(),
          data.table().rows(), true);
    } catch (XGBoostError e) {
      throw failure(e, params);
    } finally {
      dispose(model, dall);
    }
  }

  /** Frees XGBoost's native memory of a model and its matrix, either of which may not have been made. */
  private static void dispose(Booster model, DMatrix matrix) {
    if (model != null) {
      model.dispose();
    }
    if (matrix != null) {
      matrix.dispose();
    }
  }

  /** An error of XGBoost's: the user's to fix when it refused a parameter, else the trainer's. */
  private static RuntimeException failure(XGBoostError e, Map<String, String> params) {
    String message = ExperimentLoader.firstLine(e.getMessage());
    if (message.contains("Invalid Parameter") || message.contains("Unknown") || message.contains("invalid")) {
      return new TrainerInputException(Reason.BadParameter, "XGBoost refused the parameters " + params + ": " + message);
    }
    return new IllegalStateException("XGBoost failed: " + message, e);
  }

  /**
   * Early stopping: trains with the validation split watched until its loss (eval_metric) has not improved
   * for {@code early_stopping_rounds} rounds, and returns the number of rounds of the best
   * iteration. The model is then trained again for exactly that many rounds (same seed, same
   * trees), so the bundle holds no tree past the best one.
   */
  private static int bestRounds(TrialParameters.Booster booster, Map<String, Object> boosterParams, DMatrix dtrain, Split split, Encoded encoded,
      int width) throws XGBoostError {
    DMatrix dvalid = encoded.valid().matrix(width);
    Booster probe = null;
    try {
      dvalid.setLabel(split.validTargets());
      float[][] history = new float[1][booster.rounds()];
      probe = XGBoost.train(dtrain, boosterParams, booster.rounds(), Map.of("validation", dvalid), history, null, null,
          booster.earlyStoppingRounds());
      String best = probe.getAttr("best_iteration");
      return best == null ? booster.rounds() : Integer.parseInt(best.trim()) + 1;
    } finally {
      if (probe != null) {
        probe.dispose();
      }
      dvalid.dispose();
    }
  }

  private static void write(ExperimentSpec spec, CsvLoader.Data data, Split split, Encoded encoded, Trained trained, Evaluation.Result eval,
      Map<String, String> params, Path outDir) {
    ExperimentSpec.Dataset ds = spec.getDataset();
    LearningObjective objective = spec.getAlgorithm().getObjective();
    ReferenceProfile profile = switch (objective.task()) {
      case BINARY -> ProfileBuilder.build(split.train(), split.valid(), encoded.pipeline(), column(trained.validPredictions()));
      case REGRESSION -> ProfileBuilder.build(split.train(), split.valid(), encoded.pipeline(),
          ProfileBuilder.valueBins(trained.trainPredictions(), column(trained.validPredictions())));
      case MULTICLASS -> ProfileBuilder.build(split.train(), split.valid(), encoded.pipeline(),
          ProfileBuilder.classBins(data.classes().size(), trained.validPredictions()));
    };
    Manifest manifest = new Manifest(
        ModelBundle.FORMAT_VERSION, spec.getModel(), "xgboost", encoded.pipeline().features(), ds.getLabel(),
        objective.task() == LearningObjective.Task.BINARY ? ds.getPositiveClass() : null,
        Instant.now().toString(), eval.metrics(), params,
        new Manifest.DataFingerprint(ds.getUri(), data.sha256(), data.table().rows()), Manifest.Files.standard(),
        objective.key(), data.classes(), eval.classMetrics(), new Manifest.Training(trained.rows(), trained.refit()));
    try {
      ModelBundle.write(outDir, manifest, encoded.pipeline(), profile, trained.model());
    } catch (RuntimeException e) {
      throw new TrainerInputException(Reason.BadOutput, "cannot write the bundle to " + outDir + ": " + e.getMessage() + "; choose a writable --output");
    }
  }

  /** XGBoost's own predictions, one row per record and one column per output: the reference the bundle's Java scorer is tested against. */
  static double[][] predict(Booster booster, Csr rows, int width) throws XGBoostError {
    DMatrix m = rows.matrix(width);
    try {
      return widen(booster.predict(m));
    } finally {
      m.dispose();
    }
  }

  /** xgboost4j's float predictions as doubles, row by row. */
  static double[][] widen(float[][] p) {
    double[][] out = new double[p.length][];
    for (int i = 0; i < p.length; i++) {
      out[i] = new double[p[i].length];
      for (int k = 0; k < p[i].length; k++) {
        out[i][k] = p[i][k];
      }
    }
    return out;
  }

  /** The only output of a binary or regression model, per row. */
  static double[] column(double[][] predictions) {
    double[] out = new double[predictions.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = predictions[i][0];
    }
    return out;
  }

  /**
   * Resolves and checks the output location before any training time is spent. For an s3://
   * output: the bucket is checked, and the bundle is written to a local folder first (under
   * java.io.tmpdir, /tmp in a trial Pod), then uploaded.
   */
  static Path outputDir(String output, Path pvcRoot) {
    if (output.startsWith("http://") || output.startsWith("https://")) {
      throw new TrainerInputException(Reason.BadOutput, "--output " + output + " cannot be written over HTTP; use a path, file://, pvc:// or s3://");
    }
    if (S3Uri.is(output)) {
      Locations.checkOutput(Locations.s3(output, "--output", Reason.BadOutput));
      try {
        return Files.createTempDirectory("modelops-bundle-");
      } catch (IOException e) {
        throw new TrainerInputException(Reason.BadOutput, "cannot make a local folder for the bundle before it goes to " + output + ": " + e.getMessage());
      }
    }
    Path dir = Locations.localPath(output, null, pvcRoot, "--output");
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", ".tmp");
      Files.delete(probe);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      throw new TrainerInputException(
          Reason.BadOutput, "cannot write to the output " + dir + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose a writable --output");
    }
    return dir;
  }

  private static void deleteFolder(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Only a local copy of what is already in S3: left behind in the temporary folder.
    }
  }

  /**
   * Stratified split: the same share of each class (0/1, or a class index) goes to validation;
   * deterministic per seed. The highest class is shuffled first, so 0/1 labels split as they
   * always have (positives, then negatives).
   */
  static int[][] stratifiedSplit(int[] labels, double share, long seed) {
    int classes = Arrays.stream(labels).max().orElse(0) + 1;
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < labels.length; i++) {
      byClass.get(labels[i]).add(i);
    }
    Random random = new Random(seed);
    for (int c = classes - 1; c >= 0; c--) {
      java.util.Collections.shuffle(byClass.get(c), random);
    }
    List<Integer> valid = new ArrayList<>();
    List<Integer> train = new ArrayList<>();
    for (int c = classes - 1; c >= 0; c--) {
      List<Integer> rows = byClass.get(c);
      int v = (int) Math.round(rows.size() * share);
      valid.addAll(rows.subList(0, v));
      train.addAll(rows.subList(v, rows.size()));
    }
    return new int[][] {sorted(train), sorted(valid)};
  }

  /** A regression's split: a seeded shuffle of all rows, the first {@code share} of them for validation. */
  static int[][] randomSplit(int rows, double share, long seed) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      all.add(i);
    }
    java.util.Collections.shuffle(all, new Random(seed));
    int v = (int) Math.round(rows * share);
    return new int[][] {sorted(all.subList(v, rows)), sorted(all.subList(0, v))};
  }

  private static int[] sorted(List<Integer> rows) {
    int[] out = rows.stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(out);
    return out;
  }

  private static int[] pick(int[] values, int[] idx) {
    int[] out = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = values[idx[i]];
    }
    return out;
  }

  private static float[] pick(float[] values, int[] idx) {
    float[] out = new float[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = values[idx[i]];
    }
    return out;
  }

  private static double[] toDouble(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  /** A CSR matrix of encoded rows. */
  static final class Csr {
    long[] headers;
    int[] cols;
    float[] vals;

    static Csr encode(FeaturePipeline pipeline, RawTable table) {
      CsrBuilder builder = new CsrBuilder(pipeline, table.rows());
      for (int r = 0; r < table.rows(); r++) {
        builder.add(table.row(r));
      }
      Csr c = new Csr();
      c.headers = builder.headers();
      c.cols = builder.columns();
      c.vals = builder.values();
      return c;
    }

    DMatrix matrix(int width) throws XGBoostError {
      return new DMatrix(headers, cols, vals, DMatrix.SparseType.CSR, width);
    }
  }
}
