package dev.modelops.bundle;

import java.util.Arrays;

/**
 * A reusable sparse row: the encoded columns that have a value, in ascending order. Columns
 * without an entry are "missing" to XGBoost, in training and in scoring alike.
 */
public final class EncodedRow {
  int[] columns = new int[64];
  float[] values = new float[64];
  int size;
  /** Scratch space of the text transform, reused from record to record. */
  int[] textScratch = new int[64];

  /** Empties the row for reuse. */
  public void clear() {
    size = 0;
  }

  public int size() {
    return size;
  }

  public int column(int i) {
    return columns[i];
  }

  public float value(int i) {
    return values[i];
  }

  void put(int[] remap, int column, double value) {
    int c = remap == null ? column : remap[column];
    if (c < 0) {
      return;
    }
    if (size == columns.length) {
      columns = Arrays.copyOf(columns, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    columns[size] = c;
    values[size] = (float) value;
    size++;
  }
}
