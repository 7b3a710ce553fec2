package dev.modelops.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fitted feature pipeline: turns one raw record into the sparse row the model was trained
 * on. Raw values come as an array in {@link #features()} order: numeric as double (NaN =
 * missing), categorical and text as String (null = missing). The trainer and the server both
 * encode through this one class, so training/serving skew cannot arise from two implementations.
 *
 * <p>Encoded layout: the numeric columns, then each categorical feature's one-hot block (its
 * "other" column last), then each text feature's vocabulary; optionally narrowed to the
 * {@code selected} columns by feature selection.
 */
public final class FeaturePipeline {
  private final List<NumericEncoder> numeric;
  private final List<CategoricalEncoder> categorical;
  private final List<TextEncoder> text;
  private final int[] selected;
  private final int fullWidth;
  private final int[] remap;

  @JsonCreator
  public FeaturePipeline(
      @JsonProperty("numeric") List<NumericEncoder> numeric,
      @JsonProperty("categorical") List<CategoricalEncoder> categorical,
      @JsonProperty("text") List<TextEncoder> text,
      @JsonProperty("selected") int[] selected) {
    this.numeric = List.copyOf(numeric == null ? List.of() : numeric);
    this.categorical = List.copyOf(categorical == null ? List.of() : categorical);
    this.text = List.copyOf(text == null ? List.of() : text);
    int w = this.numeric.size();
    for (CategoricalEncoder c : this.categorical) {
      w += c.width();
    }
    for (TextEncoder t : this.text) {
      w += t.width();
    }
    this.fullWidth = w;
    this.selected = selected == null ? null : selected.clone();
    if (this.selected != null) {
      remap = new int[fullWidth];
      Arrays.fill(remap, -1);
      for (int i = 0; i < this.selected.length; i++) {
        if (this.selected[i] < 0 || this.selected[i] >= fullWidth) {
          throw new BundleException("pipeline selects column " + this.selected[i] + " of " + fullWidth);
        }
        remap[this.selected[i]] = i;
      }
    } else {
      remap = null;
    }
  }

  /** Returns a copy that keeps only the given encoded columns (ascending, in full-width numbering). */
  public FeaturePipeline select(int[] columns) {
    int[] sorted = columns.clone();
    Arrays.sort(sorted);
    return new FeaturePipeline(numeric, categorical, text, sorted);
  }

  @JsonProperty
  public List<NumericEncoder> numeric() {
    return numeric;
  }

  @JsonProperty
  public List<CategoricalEncoder> categorical() {
    return categorical;
  }

  @JsonProperty
  public List<TextEncoder> text() {
    return text;
  }

  @JsonProperty
  public int[] selected() {
    return selected == null ? null : selected.clone();
  }

  /** The raw input columns, in the order {@link #encode} expects their values. */
  @JsonIgnore
  public List<Feature> features() {
    List<Feature> out = new ArrayList<>();
    numeric.forEach(e -> out.add(new Feature(e.name(), FeatureType.NUMERIC)));
    categorical.forEach(e -> out.add(new Feature(e.name(), FeatureType.CATEGORICAL)));
    text.forEach(e -> out.add(new Feature(e.name(), FeatureType.TEXT)));
    return out;
  }

  /** Encoded columns before feature selection. */
  @JsonIgnore
  public int fullWidth() {
    return fullWidth;
  }

  /** Encoded columns the model sees. */
  @JsonIgnore
  public int width() {
    return selected == null ? fullWidth : selected.length;
  }

  /** Encodes one record's raw values (in {@link #features()} order) into {@code out}. */
  public void encode(Object[] values, EncodedRow out) {
    out.clear();
    int v = 0;
    int base = 0;
    for (NumericEncoder e : numeric) {
      Object raw = values[v++];
      double d = raw == null ? Double.NaN : ((Number) raw).doubleValue();
      out.put(remap, base++, e.encode(d));
    }
    for (CategoricalEncoder e : categorical) {
      out.put(remap, base + e.columnOf((String) values[v++]), 1.0);
      base += e.width();
    }
    for (TextEncoder e : text) {
      e.encode((String) values[v++], base, remap, out);
      base += e.width();
    }
  }

  /** A human-readable name of an encoded column (full-width numbering), for reports. */
  public String columnName(int column) {
    int base = 0;
    if (column < numeric.size()) {
      return numeric.get(column).name();
    }
    base = numeric.size();
    for (CategoricalEncoder e : categorical) {
      if (column < base + e.width()) {
        int i = column - base;
        return e.name() + "=" + (i < e.categories().size() ? e.categories().get(i) : "(other)");
      }
      base += e.width();
    }
    for (TextEncoder e : text) {
      if (column < base + e.width()) {
        return e.name() + ":" + e.terms().get(column - base);
      }
      base += e.width();
    }
    throw new IllegalArgumentException("column " + column + " of " + fullWidth);
  }
}
