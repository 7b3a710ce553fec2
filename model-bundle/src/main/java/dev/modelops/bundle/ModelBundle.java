package dev.modelops.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model bundle on disk: a directory with manifest.json, the XGBoost model (model.ubj), the
 * fitted feature pipeline (pipeline.json) and the reference profile for drift (profile.json).
 * The trainer writes it; the model server and tests read it and score raw records with it.
 * A read bundle is immutable and safe to share between threads; its {@link Scorer}s are not.
 *
 * <p>A bring-your-own ONNX model is a bundle too: a directory with {@code model.onnx} and a
 * manifest whose algorithm is {@code onnx} and whose features (numeric) are the columns of the
 * model's one float input, in order. It has no pipeline and no reference profile (so no drift);
 * the model server scores it with ONNX Runtime.
 */
public final class ModelBundle {
  /** The bundle format this code writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** The manifest's file name; written last, so a folder with a manifest is a complete bundle. */
  public static final String MANIFEST = "manifest.json";
  /** The manifest algorithm of a bring-your-own ONNX model. */
  public static final String ONNX = "onnx";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path dir;
  private final Manifest manifest;
  private final FeaturePipeline pipeline;
  private final ReferenceProfile profile;
  private final XGBoostModel model;

  private ModelBundle(Path dir, Manifest manifest, FeaturePipeline pipeline, ReferenceProfile profile, XGBoostModel model) {
    this.dir = dir;
    this.manifest = manifest;
    this.pipeline = pipeline;
    this.profile = profile;
    this.model = model;
  }

  /** Reads a bundle directory; throws {@link BundleException} with one clear message when it cannot. */
  public static ModelBundle read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new BundleException("model bundle " + dir + " does not exist or is not a directory");
    }
    Manifest manifest = readJson(dir, MANIFEST, Manifest.class);
    if (manifest.formatVersion() != FORMAT_VERSION) {
      throw new BundleException(
          "model bundle " + dir + " has format version " + manifest.formatVersion()
              + "; this reader understands version " + FORMAT_VERSION);
    }
    if (ONNX.equals(manifest.algorithm())) {
      return readOnnx(dir, manifest);
    }
    Manifest.Files files = manifest.files() == null ? Manifest.Files.standard() : manifest.files();
    FeaturePipeline pipeline = readJson(dir, files.pipeline(), FeaturePipeline.class);
    ReferenceProfile profile = readJson(dir, files.profile(), ReferenceProfile.class);
    if (!pipeline.features().equals(manifest.features())) {
      throw new BundleException(
          "model bundle " + dir + " is inconsistent: manifest features " + manifest.features()
              + " differ from the pipeline's " + pipeline.features());
    }
    byte[] modelFile;
    try {
      modelFile = Files.readAllBytes(dir.resolve(files.model()));
    } catch (NoSuchFileException e) {
      throw new BundleException("model bundle " + dir + " has no " + files.model());
    } catch (IOException e) {
      throw new BundleException("model bundle " + dir + ": cannot read " + files.model() + ": " + e.getMessage(), e);
    }
    XGBoostModel model;
    try {
      model = XGBoostModel.read(modelFile);
    } catch (IllegalArgumentException e) {
      throw new BundleException("model bundle " + dir + ": the model file is corrupt (" + files.model() + ": " + e.getMessage() + ")", e);
    }
    if (model.featureCount() > pipeline.width()) {
      throw new BundleException(
          "model bundle " + dir + " is inconsistent: the model reads " + model.featureCount()
              + " encoded columns but the pipeline produces " + pipeline.width());
    }
    if (manifest.objective() != null && !manifest.objective().equals(model.objective())) {
      throw new BundleException("model bundle " + dir + " is inconsistent: the manifest's objective " + manifest.objective()
          + " differs from the model's " + model.objective());
    }
    int classes = manifest.classes() == null ? 0 : manifest.classes().size();
    if (model.kind() == ModelKind.MULTICLASS && classes != model.classCount()) {
      throw new BundleException("model bundle " + dir + " is inconsistent: the model has " + model.classCount()
          + " classes but the manifest names " + classes + " (classes " + manifest.classes() + ")");
    }
    return new ModelBundle(dir, manifest, pipeline, profile, model);
  }

  private static ModelBundle readOnnx(Path dir, Manifest manifest) {
    String file = manifest.files() != null && manifest.files().model() != null ? manifest.files().model() : "model.onnx";
    if (!Files.isRegularFile(dir.resolve(file))) {
      throw new BundleException("model bundle " + dir + " has no " + file + " (its manifest says algorithm onnx)");
    }
    if (manifest.features() == null || manifest.features().isEmpty()) {
      throw new BundleException("model bundle " + dir + ": manifest.json lists no features; an ONNX model's features name the columns of its input, in order");
    }
    for (Feature f : manifest.features()) {
      if (f.type() != FeatureType.NUMERIC) {
        throw new BundleException("model bundle " + dir + ": feature '" + f.name() + "' is " + f.type()
            + "; an ONNX model takes numeric features only (encode categories and text inside the ONNX graph)");
      }
    }
    return new ModelBundle(dir, manifest, null, null, null);
  }

  /** Whether this is a bring-your-own ONNX model (no pipeline, profile or XGBoost model). */
  public boolean onnx() {
    return ONNX.equals(manifest.algorithm());
  }

  /** The model file of an ONNX bundle. */
  public Path onnxFile() {
    return dir.resolve(manifest.files() != null && manifest.files().model() != null ? manifest.files().model() : "model.onnx");
  }

  /** Writes a bundle directory (created if needed). */
  public static void write(
      Path dir, Manifest manifest, FeaturePipeline pipeline, ReferenceProfile profile, byte[] model) {
    try {
      Files.createDirectories(dir);
      Manifest.Files files = manifest.files() == null ? Manifest.Files.standard() : manifest.files();
      Files.write(dir.resolve(files.model()), model);
      JSON.writeValue(dir.resolve(files.pipeline()).toFile(), pipeline);
      JSON.writeValue(dir.resolve(files.profile()).toFile(), profile);
      // The manifest goes last: a directory with a manifest is a complete bundle.
      JSON.writeValue(dir.resolve(MANIFEST).toFile(), manifest);
    } catch (IOException e) {
      throw new BundleException("cannot write the model bundle to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static <T> T readJson(Path dir, String name, Class<T> type) {
    Path file = dir.resolve(name);
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (java.io.FileNotFoundException e) {
      throw new BundleException("model bundle " + dir + " has no " + name);
    } catch (IOException e) {
      throw new BundleException("model bundle " + dir + ": " + name + " is corrupt: " + e.getMessage(), e);
    }
  }

  /** The directory this bundle was read from. */
  public Path dir() {
    return dir;
  }

  /** What the model is, how it was trained and on what data. */
  public Manifest manifest() {
    return manifest;
  }

  /** The fitted transforms from raw records to the model's encoded columns. */
  public FeaturePipeline pipeline() {
    return pipeline;
  }

  /** The training distributions drift is measured against. */
  public ReferenceProfile profile() {
    return profile;
  }

  /** The raw input columns a record must have. */
  public List<Feature> features() {
    return manifest.features();
  }

  /** The model, evaluated in Java; shared by every scorer of this bundle. */
  public XGBoostModel model() {
    return model;
  }

  /** What the model predicts: {@link ModelKind#BINARY} for an ONNX model (the server reads its one probability). */
  public ModelKind kind() {
    return model == null ? ModelKind.BINARY : model.kind();
  }

  /** A multi-class model's label values, in the order of {@link Scorer#probabilities}; empty for other kinds. */
  public List<String> classes() {
    return kind() == ModelKind.MULTICLASS ? manifest.classes() : List.of();
  }

  /**
   * The index in {@link #classes()} of a label value of a multi-class model.
   *
   * @throws RecordException naming the label column, the value and the known classes when the
   *     model has no such class
   */
  public int classIndex(String label) {
    int i = classes().indexOf(label);
    if (i < 0) {
      throw new RecordException(manifest.label(), kind() == ModelKind.MULTICLASS
          ? "unknown class \"" + label + "\"; the model knows " + String.join(", ", classes())
          : "the model is not multi-class (objective " + model.objective() + "), so it has no classes");
    }
    return i;
  }

  /** A new scorer; cheap (it shares the model and owns only buffers). Use one per thread. */
  public Scorer newScorer() {
    if (onnx()) {
      throw new IllegalStateException("an ONNX bundle is scored with ONNX Runtime, not the bundle's scorer");
    }
    return new Scorer(pipeline, model);
  }
}
