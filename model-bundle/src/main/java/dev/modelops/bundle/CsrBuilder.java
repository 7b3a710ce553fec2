package dev.modelops.bundle;

import java.util.Arrays;

/**
 * Collects encoded rows into the compressed-sparse-row arrays XGBoost takes. Training and
 * scoring both build their matrices here, so the model sees rows laid out the same way.
 */
public final class CsrBuilder {
  private final EncodedRow row = new EncodedRow();
  private final FeaturePipeline pipeline;
  private long[] headers;
  private int[] cols;
  private float[] vals;
  private int rows;
  private int size;

  public CsrBuilder(FeaturePipeline pipeline, int expectedRows) {
    this.pipeline = pipeline;
    this.headers = new long[expectedRows + 1];
    this.cols = new int[Math.max(16, expectedRows * Math.min(Math.max(pipeline.width(), 1), 32))];
    this.vals = new float[cols.length];
  }

  /** Encodes one record's raw values (in the pipeline's feature order) as the next row. */
  public CsrBuilder add(Object[] values) {
    pipeline.encode(values, row);
    if (size + row.size() > cols.length) {
      int grow = Math.max(cols.length * 2, size + row.size());
      cols = Arrays.copyOf(cols, grow);
      vals = Arrays.copyOf(vals, grow);
    }
    for (int i = 0; i < row.size(); i++) {
      cols[size] = row.column(i);
      vals[size++] = row.value(i);
    }
    if (rows + 1 == headers.length) {
      headers = Arrays.copyOf(headers, headers.length * 2);
    }
    headers[++rows] = size;
    return this;
  }

  public int rows() {
    return rows;
  }

  /** Row offsets, length rows + 1. */
  public long[] headers() {
    return Arrays.copyOf(headers, rows + 1);
  }

  public int[] columns() {
    return Arrays.copyOf(cols, size);
  }

  public float[] values() {
    return Arrays.copyOf(vals, size);
  }
}
