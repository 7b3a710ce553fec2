package dev.modelops.server.model;

import dev.modelops.bundle.BundleException;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.Scorer;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.server.ModelSettings;
import dev.modelops.storage.S3Storage;
import dev.modelops.storage.S3Uri;
import dev.modelops.storage.StorageException;
import io.micronaut.context.annotation.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served model. Loaded once at start; the server is ready only when the bundle was read and
 * a warm-up prediction succeeded. A missing or corrupt bundle leaves the server alive but never
 * ready, with one clear log line, so it never serves wrong answers.
 */
@Context
public class LoadedModel {
  private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);

  private final ModelSettings settings;
  private final ModelBundle bundle;
  private final String problem;
  private final ThreadLocal<Scorer> scorers;
  private final OnnxModel onnx;
  private final Instant loadedAt = Instant.now();

  public LoadedModel(ModelSettings settings) {
    this.settings = settings;
    ModelBundle b = null;
    OnnxModel o = null;
    String p = null;
    try {
      b = ModelBundle.read(resolve(settings.bundle()));
      Map<String, Object> warmUp = new HashMap<>();
      for (Feature f : b.features()) {
        warmUp.put(f.name(), null);
      }
      double score;
      if (b.onnx()) {
        o = new OnnxModel(b.onnxFile(), b.features().size());
        score = o.score(new Object[][] {Scorer.values(b.features(), warmUp)})[0];
      } else {
        score = warmUp(b, warmUp);
      }
      if (Double.isNaN(score)) {
        throw new BundleException("the warm-up prediction was NaN");
      }
      LOG.info("serving {}{} model '{}' version {} from {} ({} features)", b.onnx() ? "ONNX " : "", b.kind().name().toLowerCase(java.util.Locale.ROOT), b.manifest().model(),
          settings.version(), settings.bundle(), b.features().size());
    } catch (BundleException | StorageException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      p = "cannot load the model bundle " + settings.bundle() + ": " + e.getMessage();
      LOG.error("{}; the server stays not ready", p);
      b = null;
      if (o != null) {
        o.close();
        o = null;
      }
    }
    this.bundle = b;
    this.onnx = o;
    this.problem = p;
    final ModelBundle loaded = b;
    this.scorers = ThreadLocal.withInitial(() -> loaded.newScorer());
  }

  /** One prediction of the bundle's kind for a record of missing values; NaN when any output is NaN. */
  private static double warmUp(ModelBundle b, Map<String, Object> record) {
    try (Scorer s = b.newScorer()) {
      return switch (b.kind()) {
        case BINARY -> s.score(record);
        case REGRESSION -> s.value(record);
        case MULTICLASS -> java.util.Arrays.stream(s.probabilities(record)).sum();
      };
    }
  }

  /**
   * A local path for a bundle location: a path, file:// or pvc://claim/path; or, for
   * s3://bucket/prefix, a new folder under java.io.tmpdir (/tmp in a Pod) that the bundle's
   * objects were copied into (S3 configured by the AWS_* variables, see object-storage).
   */
  static Path resolve(String location) {
    if (!S3Uri.is(location)) {
      return StorageLocation.local(location, null);
    }
    S3Uri bundle = S3Uri.parse(location, "MODEL_BUNDLE");
    try (S3Storage storage = S3Storage.fromEnvironment()) {
      long start = System.nanoTime();
      Path dir = storage.downloadFolder(bundle, Files.createTempDirectory("modelops-bundle-"));
      LOG.info("fetched {} into {} in {} ms", bundle, dir, (System.nanoTime() - start) / 1_000_000);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a folder for it under " + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
    }
  }

  public boolean ready() {
    return bundle != null;
  }

  /** Why the model is not ready, or null. */
  public String problem() {
    return problem;
  }

  public ModelBundle bundle() {
    if (bundle == null) {
      throw new ModelNotReadyException(problem);
    }
    return bundle;
  }

  /** This thread's scorer (XGBoost bundles only; see {@link #values} and {@link #scoreAll}). */
  public Scorer scorer() {
    bundle();
    return scorers.get();
  }

  /** Whether the model is a bring-your-own ONNX model (scored by ONNX Runtime, no drift profile). */
  public boolean onnx() {
    return onnx != null;
  }

  /** A JSON-like record's values in feature order, or a RecordException naming the field. */
  public Object[] values(Map<String, ?> record) {
    return onnx != null ? Scorer.values(bundle().features(), record) : scorer().values(record);
  }

  /** The positive-class probabilities of several records, in one model call where the runtime allows. */
  public double[] scoreAll(Object[][] values) {
    return onnx != null ? onnx.score(values) : scorer().scoreAll(values);
  }

  /** What the model predicts: a probability (binary, and every ONNX model), a number, or class probabilities. */
  public ModelKind kind() {
    return bundle().kind();
  }

  /** A multi-class model's class labels, in the order of its probabilities; empty for other kinds. */
  public List<String> classes() {
    return bundle().classes();
  }

  /** The predicted numbers of several rows of a regression model. */
  public double[] valueAll(Object[][] values) {
    Scorer s = scorer();
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = s.value(values[i]);
    }
    return out;
  }

  /** The class probabilities of several rows of a multi-class model, in the order of {@link #classes()}. */
  public double[][] probabilitiesAll(Object[][] values) {
    Scorer s = scorer();
    double[][] out = new double[values.length][];
    for (int i = 0; i < values.length; i++) {
      out[i] = s.probabilities(values[i]);
    }
    return out;
  }

  public String name() {
    return bundle == null ? "unknown" : bundle.manifest().model();
  }

  public int version() {
    return settings.version();
  }

  public List<Feature> features() {
    return bundle().features();
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Thrown when a prediction is asked of a server whose model did not load. */
  public static final class ModelNotReadyException extends RuntimeException {
    public ModelNotReadyException(String message) {
      super(message);
    }
  }
}
