package dev.modelops.trainer;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.LearningObjective;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.bundle.RawTable;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Loads a CSV dataset (header row, quoted fields, embedded commas and newlines) into columns,
 * keeping only the label and the feature columns. Empty cells and NA are missing values.
 */
final class CsvLoader {
  /**
   * The loaded data: raw feature columns, the labels and a fingerprint of the file. For a binary
   * objective {@code labels} are 0/1 (1 = positiveClass); for a multi-class one the index of each
   * row's value in {@code classes} (sorted); for a regression {@code labels} and {@code classes}
   * are null and {@code values} holds the numbers.
   */
  record Data(RawTable table, int[] labels, double[] values, List<String> classes, String sha256) {
    /** The labels as XGBoost takes them: 0/1, a class index, or the number. */
    float[] targets() {
      float[] out = new float[table.rows()];
      for (int i = 0; i < out.length; i++) {
        out[i] = labels == null ? (float) values[i] : labels[i];
      }
      return out;
    }
  }

  /** A multi-class label with more distinct values than this is refused: it is more likely a number or an id. */
  static final int MAX_CLASSES = 100;

  /** A declared numeric column is refused when more than this share of its cells are not numbers. */
  static final double MAX_NON_NUMERIC_SHARE = 0.5;

  private CsvLoader() {}

  static List<Feature> features(ExperimentSpec.Features f) {
    List<Feature> out = new ArrayList<>();
    if (f.getNumeric() != null) {
      f.getNumeric().forEach(n -> out.add(new Feature(n, FeatureType.NUMERIC)));
    }
    if (f.getCategorical() != null) {
      f.getCategorical().forEach(n -> out.add(new Feature(n, FeatureType.CATEGORICAL)));
    }
    if (f.getText() != null) {
      f.getText().forEach(n -> out.add(new Feature(n, FeatureType.TEXT)));
    }
    return out;
  }

  static Data load(InputStream in, String origin, ExperimentSpec.Dataset dataset, LearningObjective objective) {
    List<Feature> features = features(dataset.getFeatures());
    if (features.isEmpty()) {
      throw new TrainerInputException(Reason.BadSpec, "spec.dataset.features lists no columns; list at least one numeric, categorical or text column");
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get();
    try (Reader reader = new InputStreamReader(new DigestInputStream(in, sha), StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(reader, format)) {
      String label = dataset.getLabel();
      Map<String, Integer> index = columns(parser.getHeaderNames(), origin, label, features);
      int labelIndex = index.get(label);
      int[] featureIndex = features.stream().mapToInt(f -> index.get(f.name())).toArray();
      Column[] columns = new Column[features.size()];
      for (int f = 0; f < columns.length; f++) {
        columns[f] = new Column(features.get(f).type());
      }
      String[] labels = new String[1024];
      int rows = 0;
      Map<String, String> interned = new HashMap<>();
      for (CSVRecord record : parser) {
        if (record.size() == 1 && record.get(0).isEmpty()) {
          continue; // a blank line
        }
        String labelValue = cell(record, labelIndex);
        if (labelValue == null) {
          throw new TrainerInputException(
              Reason.BadData, origin + " line " + record.getRecordNumber() + ": the label '" + label + "' is missing; every row needs a label");
        }
        if (rows == labels.length) {
          labels = Arrays.copyOf(labels, rows * 2);
        }
        labels[rows] = interned.computeIfAbsent(labelValue, k -> k);
        for (int f = 0; f < columns.length; f++) {
          String v = cell(record, featureIndex[f]);
          columns[f].add(v == null || columns[f].type == FeatureType.TEXT ? v : interned.computeIfAbsent(v, k -> k));
        }
        rows++;
      }
      if (rows == 0) {
        throw new TrainerInputException(Reason.BadData, "the dataset " + origin + " has a header but no rows");
      }
      Object[] raw = new Object[columns.length];
      for (int f = 0; f < columns.length; f++) {
        raw[f] = columns[f].finish(features.get(f).name(), rows, origin);
      }
      RawTable table = new RawTable(features, raw, rows);
      String sha256 = HexFormat.of().formatHex(sha.digest());
      String[] cells = Arrays.copyOf(labels, rows);
      return switch (objective.task()) {
        case BINARY -> new Data(table, binary(cells, label, dataset.getPositiveClass()), null, null, sha256);
        case REGRESSION -> new Data(table, null, numbers(cells, label, objective, origin), null, sha256);
        case MULTICLASS -> {
          List<String> classes = classes(cells, label);
          Map<String, Integer> classIndex = new HashMap<>();
          classes.forEach(c -> classIndex.put(c, classIndex.size()));
          yield new Data(table, Arrays.stream(cells).mapToInt(classIndex::get).toArray(), null, classes, sha256);
        }
      };
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new TrainerInputException(Reason.BadData, "cannot parse " + origin + " as CSV: " + ExperimentLoader.firstLine(e.getMessage()));
    } catch (IllegalArgumentException e) {
      throw new TrainerInputException(Reason.BadData, "cannot parse " + origin + " as CSV: " + ExperimentLoader.firstLine(e.getMessage()));
    }
  }

  /** Each column's position; the header must name the label and every feature. */
  private static Map<String, Integer> columns(List<String> header, String origin, String label, List<Feature> features) {
    if (header == null || header.isEmpty() || header.stream().allMatch(String::isBlank)) {
      throw new TrainerInputException(Reason.BadData, "the dataset " + origin + " has no header row; the first line must name the columns");
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      index.put(header.get(i), i);
    }
    if (!index.containsKey(label)) {
      throw new TrainerInputException(
          Reason.BadData, "the label column '" + label + "' (spec.dataset.label) is absent from " + origin + "; its columns are " + header);
    }
    for (Feature f : features) {
      if (!index.containsKey(f.name())) {
        throw new TrainerInputException(
            Reason.BadData,
            "the feature column '" + f.name() + "' listed in spec.dataset.features." + section(f.type())
                + " does not exist in " + origin + "; its columns are " + header);
      }
    }
    return index;
  }

  private static int[] binary(String[] cells, String label, String positive) {
    int[] labels = Arrays.stream(cells).mapToInt(c -> positive.equals(c) ? 1 : 0).toArray();
    int positives = Arrays.stream(labels).sum();
    if (positives == 0 || positives == labels.length) {
      throw new TrainerInputException(
          Reason.BadData,
          "the label column '" + label + "' has a single class (" + (positives == 0 ? "no row equals" : "every row equals")
              + " positiveClass '" + positive + "'); a classifier needs both classes: check spec.dataset.positiveClass and the data");
    }
    return labels;
  }

  private static double[] numbers(String[] cells, String label, LearningObjective objective, String origin) {
    double[] out = new double[cells.length];
    for (int i = 0; i < cells.length; i++) {
      try {
        out[i] = Double.parseDouble(cells[i]);
      } catch (NumberFormatException e) {
        out[i] = Double.NaN;
      }
      if (!Double.isFinite(out[i])) {
        throw new TrainerInputException(Reason.BadData, "the label column '" + label + "' holds \"" + cells[i] + "\" in data row " + (i + 1)
            + " of " + origin + "; objective " + objective.key() + " predicts a number, so every label must be a finite number");
      }
    }
    return out;
  }

  /** The distinct label values, sorted: a multi-class model's classes in the order of its outputs. */
  private static List<String> classes(String[] cells, String label) {
    java.util.TreeSet<String> distinct = new java.util.TreeSet<>(Arrays.asList(cells));
    if (distinct.size() < 2) {
      throw new TrainerInputException(Reason.BadData, "the label column '" + label + "' has a single class ('" + distinct.first()
          + "'); objective multi:softprob needs at least 2 classes");
    }
    if (distinct.size() > MAX_CLASSES) {
      throw new TrainerInputException(Reason.BadData, "the label column '" + label + "' has " + distinct.size() + " distinct values (e.g. '"
          + distinct.first() + "', '" + distinct.last() + "'); objective multi:softprob allows at most " + MAX_CLASSES
          + " classes: for a number use a regression objective (reg:squarederror)");
    }
    return List.copyOf(distinct);
  }

  private static String section(FeatureType t) {
    return switch (t) {
      case NUMERIC -> "numeric";
      case CATEGORICAL -> "categorical";
      case TEXT -> "text";
    };
  }

  private static String cell(CSVRecord record, int i) {
    if (i >= record.size()) {
      return null;
    }
    String v = record.get(i);
    return v.isEmpty() || "NA".equals(v) ? null : v;
  }

  /** A growing column of cells. */
  private static final class Column {
    final FeatureType type;
    String[] cells = new String[1024];
    int size;

    Column(FeatureType type) {
      this.type = type;
    }

    void add(String v) {
      if (size == cells.length) {
        cells = Arrays.copyOf(cells, size * 2);
      }
      cells[size++] = v;
    }

    Object finish(String name, int rows, String origin) {
      if (type != FeatureType.NUMERIC) {
        return Arrays.copyOf(cells, rows);
      }
      double[] out = new double[rows];
      int present = 0;
      int bad = 0;
      String example = null;
      for (int i = 0; i < rows; i++) {
        String c = cells[i];
        if (c == null) {
          out[i] = Double.NaN;
          continue;
        }
        present++;
        try {
          out[i] = Double.parseDouble(c);
          if (Double.isInfinite(out[i])) {
            out[i] = Double.NaN;
          }
        } catch (NumberFormatException e) {
          out[i] = Double.NaN;
          bad++;
          if (example == null) {
            example = c;
          }
        }
      }
      if (present > 0 && bad > MAX_NON_NUMERIC_SHARE * present) {
        throw new TrainerInputException(
            Reason.BadData,
            String.format(
                "the column '%s' is declared numeric but %d%% of its values in %s are not numbers (e.g. '%s'); list it under spec.dataset.features.categorical",
                name, Math.round(100.0 * bad / present), origin, example));
      }
      cells = null;
      return out;
    }
  }
}
