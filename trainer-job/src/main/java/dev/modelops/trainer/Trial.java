package dev.modelops.trainer;

import dev.modelops.api.v1alpha1.ExperimentSpec;
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
      String bundleUri,
      /* The bundle folder on this machine; null when it was written to S3 (and the local copy removed). */
      Path bundleDir,
      Map<String, String> params,
      Map<String, Long> timings,
      int[] validationRows,
      double[] validationPredictions,
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
    TrialParameters.Booster booster = TrialParameters.booster(params, ds.getSeed());
    Path outDir = outputDir(output, pvcRoot);
    CsvLoader.Data data = load(ds, experimentDir, pvcRoot);
    timings.put("loadMs", ms(t0));

    long t1 = System.nanoTime();
    Split split = split(data, ds);
    Encoded encoded = encode(spec, split);
    timings.put("featuresMs", ms(t1));

    long t2 = System.nanoTime();
    Trained trained = train(booster, params, split, encoded);
    timings.put("trainMs", ms(t2));

    long t3 = System.nanoTime();
    Evaluation.Result eval = Evaluation.evaluate(split.validLabels(), trained.validPredictions());
    double objective = eval.metrics().get(spec.getObjective().getMetric().key());
    timings.put("evaluateMs", ms(t3));

    long t4 = System.nanoTime();
    if (booster.earlyStoppingRounds() > 0) {
      // The rounds early stopping found: what the bundle holds, and what trains it again without early stopping.
      params.put(TrialParameters.ROUNDS, Integer.toString(trained.rounds()));
      params.remove("n_estimators");
    }
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
    return new Outcome(objective, eval.metrics(), eval.confusion(), bundleUri, bundleDir, params, timings, split.validRows(), trained.validPredictions(),
        data.sha256(), manifest);
  }

  private static byte[] readManifest(Path outDir) {
    try {
      return java.nio.file.Files.readAllBytes(outDir.resolve(dev.modelops.bundle.ModelBundle.MANIFEST));
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadOutput, "cannot read back the bundle's manifest in " + outDir + ": " + e.getMessage());
    }
  }

  /** The training and validation rows, both holding both classes. */
  private record Split(RawTable train, RawTable valid, int[] trainLabels, int[] validLabels, int[] validRows) {}

  /** The fitted (and possibly selected) feature pipeline with both splits encoded by it. */
  private record Encoded(FeaturePipeline pipeline, Csr train, Csr valid) {}

  /** The model (UBJ), its predictions on the validation split, and how many rounds it was trained for. */
  private record Trained(byte[] model, double[] validPredictions, int rounds) {}

  private static CsvLoader.Data load(ExperimentSpec.Dataset ds, Path experimentDir, Path pvcRoot) {
    try (InputStream in = Locations.open(ds.getUri(), experimentDir, pvcRoot)) {
      return CsvLoader.load(in, ds.getUri(), ds);
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadData, "cannot read the dataset " + ds.getUri() + ": " + e.getMessage());
    }
  }

  private static Split split(CsvLoader.Data data, ExperimentSpec.Dataset ds) {
    double share = ds.getValidationSplit();
    int[][] parts = stratifiedSplit(data.labels(), share, ds.getSeed());
    Split split = new Split(data.table().select(parts[0]), data.table().select(parts[1]), pick(data.labels(), parts[0]),
        pick(data.labels(), parts[1]), parts[1]);
    if (split.valid().rows() == 0 || split.train().rows() == 0) {
      throw new TrainerInputException(Reason.BadData, "the dataset has too few rows (" + data.table().rows() + ") for spec.dataset.validationSplit " + share);
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
      int[] top = MutualInformation.topK(trainCsr.headers, trainCsr.cols, trainCsr.vals, pipeline.width(), pipeline.numeric().size(),
          split.trainLabels(), selection.getTopK());
      pipeline = pipeline.select(top);
      trainCsr = Csr.encode(pipeline, split.train());
    }
    return new Encoded(pipeline, trainCsr, Csr.encode(pipeline, split.valid()));
  }

  private static Trained train(TrialParameters.Booster booster, Map<String, String> params, Split split, Encoded encoded) {
    Booster model = null;
    DMatrix dtrain = null;
    int width = encoded.pipeline().width();
    try {
      dtrain = encoded.train().matrix(width);
      dtrain.setLabel(toFloat(split.trainLabels()));
      int rounds = booster.rounds();
      if (booster.earlyStoppingRounds() > 0) {
        rounds = bestRounds(booster, dtrain, split, encoded, width);
      }
      model = XGBoost.train(dtrain, booster.params(), rounds, Map.of(), null, null);
      return new Trained(model.toByteArray("ubj"), predict(model, encoded.valid(), width), rounds);
    } catch (XGBoostError e) {
      String message = ExperimentLoader.firstLine(e.getMessage());
      if (message.contains("Invalid Parameter") || message.contains("Unknown") || message.contains("invalid")) {
        throw new TrainerInputException(Reason.BadParameter, "XGBoost refused the parameters " + params + ": " + message);
      }
      throw new IllegalStateException("XGBoost failed: " + message, e);
    } finally {
      if (model != null) {
        model.dispose();
      }
      if (dtrain != null) {
        dtrain.dispose();
      }
    }
  }

  /**
   * Early stopping: trains with the validation split watched until its logloss has not improved
   * for {@code early_stopping_rounds} rounds, and returns the number of rounds of the best
   * iteration. The model is then trained again for exactly that many rounds (same seed, same
   * trees), so the bundle holds no tree past the best one.
   */
  private static int bestRounds(TrialParameters.Booster booster, DMatrix dtrain, Split split, Encoded encoded, int width) throws XGBoostError {
    DMatrix dvalid = encoded.valid().matrix(width);
    Booster probe = null;
    try {
      dvalid.setLabel(toFloat(split.validLabels()));
      float[][] history = new float[1][booster.rounds()];
      probe = XGBoost.train(dtrain, booster.params(), booster.rounds(), Map.of("validation", dvalid), history, null, null,
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
    ReferenceProfile profile = ProfileBuilder.build(split.train(), split.valid(), encoded.pipeline(), trained.validPredictions());
    Manifest manifest = new Manifest(
        ModelBundle.FORMAT_VERSION, spec.getModel(), "xgboost", encoded.pipeline().features(), ds.getLabel(), ds.getPositiveClass(),
        Instant.now().toString(), eval.metrics(), params,
        new Manifest.DataFingerprint(ds.getUri(), data.sha256(), data.table().rows()), Manifest.Files.standard());
    try {
      ModelBundle.write(outDir, manifest, encoded.pipeline(), profile, trained.model());
    } catch (RuntimeException e) {
      throw new TrainerInputException(Reason.BadOutput, "cannot write the bundle to " + outDir + ": " + e.getMessage() + "; choose a writable --output");
    }
  }

  /** XGBoost's own predictions: the reference the bundle's Java scorer is tested against. */
  static double[] predict(Booster booster, Csr rows, int width) throws XGBoostError {
    DMatrix m = rows.matrix(width);
    try {
      float[][] p = booster.predict(m);
      double[] out = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        out[i] = p[i][0];
      }
      return out;
    } finally {
      m.dispose();
    }
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

  /** Stratified split: the same share of each class goes to validation; deterministic per seed. */
  static int[][] stratifiedSplit(int[] labels, double share, long seed) {
    List<Integer> pos = new ArrayList<>();
    List<Integer> neg = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      (labels[i] == 1 ? pos : neg).add(i);
    }
    Random random = new Random(seed);
    java.util.Collections.shuffle(pos, random);
    java.util.Collections.shuffle(neg, random);
    int vp = (int) Math.round(pos.size() * share);
    int vn = (int) Math.round(neg.size() * share);
    int[] valid = new int[vp + vn];
    int[] train = new int[labels.length - vp - vn];
    int a = 0;
    int b = 0;
    for (int i = 0; i < pos.size(); i++) {
      if (i < vp) {
        valid[a++] = pos.get(i);
      } else {
        train[b++] = pos.get(i);
      }
    }
    for (int i = 0; i < neg.size(); i++) {
      if (i < vn) {
        valid[a++] = neg.get(i);
      } else {
        train[b++] = neg.get(i);
      }
    }
    Arrays.sort(valid);
    Arrays.sort(train);
    return new int[][] {train, valid};
  }

  private static int[] pick(int[] values, int[] idx) {
    int[] out = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = values[idx[i]];
    }
    return out;
  }

  private static float[] toFloat(int[] v) {
    float[] out = new float[v.length];
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
