package dev.modelops.bundle;

import java.util.List;

/**
 * Raw training data by column: numeric columns as double[] (NaN = missing), categorical and text
 * columns as String[] (null = missing), in feature order. Columnar so that 100k-row tables stay
 * small in memory.
 */
public final class RawTable {
  private final List<Feature> features;
  private final Object[] columns;
  private final int rows;

  public RawTable(List<Feature> features, Object[] columns, int rows) {
    this.features = List.copyOf(features);
    this.columns = columns.clone();
    this.rows = rows;
  }

  public List<Feature> features() {
    return features;
  }

  public int rows() {
    return rows;
  }

  public double[] numeric(int feature) {
    return (double[]) columns[feature];
  }

  public String[] strings(int feature) {
    return (String[]) columns[feature];
  }

  /** The raw values of one row in feature order, as {@link FeaturePipeline#encode} takes them. */
  public Object[] row(int r) {
    Object[] out = new Object[columns.length];
    for (int f = 0; f < columns.length; f++) {
      if (columns[f] instanceof double[] d) {
        out[f] = Double.isNaN(d[r]) ? null : d[r];
      } else {
        out[f] = ((String[]) columns[f])[r];
      }
    }
    return out;
  }

  /** The rows at the given indices, in that order. */
  public RawTable select(int[] indices) {
    Object[] cols = new Object[columns.length];
    for (int f = 0; f < columns.length; f++) {
      if (columns[f] instanceof double[] d) {
        double[] c = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
          c[i] = d[indices[i]];
        }
        cols[f] = c;
      } else {
        String[] s = (String[]) columns[f];
        String[] c = new String[indices.length];
        for (int i = 0; i < indices.length; i++) {
          c[i] = s[indices[i]];
        }
        cols[f] = c;
      }
    }
    return new RawTable(features, cols, indices.length);
  }
}
