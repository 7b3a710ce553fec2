package dev.modelops.bundle;

import java.util.Arrays;

/**
 * Feature selection by mutual information between each encoded column and the binary label.
 * Columns are discretised: absent/present for sparse columns (one-hot, TF-IDF), ten
 * equal-frequency bins for the always-present numeric columns.
 */
public final class MutualInformation {
  private MutualInformation() {}

  /**
   * The {@code k} columns (full-width numbering, ascending) with the highest mutual information.
   *
   * @param headers CSR row offsets
   * @param cols CSR column indices
   * @param vals CSR values
   */
  public static int[] topK(long[] headers, int[] cols, float[] vals, int width, int numericColumns, int[] labels, int k) {
    int n = labels.length;
    double[] mi = new double[width];
    // Numeric columns: values per column, then equal-frequency bins.
    for (int c = 0; c < numericColumns; c++) {
      double[] v = new double[n];
      for (int r = 0; r < n; r++) {
        v[r] = find(headers, cols, vals, r, c);
      }
      double[] sorted = v.clone();
      Arrays.sort(sorted);
      double[] cuts = ProfileBuilder.quantileCuts(sorted, 10);
      int[] bins = new int[n];
      for (int r = 0; r < n; r++) {
        bins[r] = ReferenceProfile.binOf(cuts, v[r]);
      }
      mi[c] = mutualInformation(bins, cuts.length + 1, labels);
    }
    // Sparse columns: present or not.
    int[] presentPositive = new int[width];
    int[] present = new int[width];
    int positives = 0;
    for (int r = 0; r < n; r++) {
      positives += labels[r];
      for (long i = headers[r]; i < headers[r + 1]; i++) {
        int c = cols[(int) i];
        if (c >= numericColumns && vals[(int) i] != 0f) {
          present[c]++;
          presentPositive[c] += labels[r];
        }
      }
    }
    for (int c = numericColumns; c < width; c++) {
      double[][] joint = {
        {n - present[c] - (positives - presentPositive[c]), positives - presentPositive[c]},
        {present[c] - presentPositive[c], presentPositive[c]}
      };
      mi[c] = fromCounts(joint, n);
    }
    Integer[] order = new Integer[width];
    for (int i = 0; i < width; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> mi[a] == mi[b] ? Integer.compare(a, b) : Double.compare(mi[b], mi[a]));
    int[] top = new int[Math.min(k, width)];
    for (int i = 0; i < top.length; i++) {
      top[i] = order[i];
    }
    Arrays.sort(top);
    return top;
  }

  private static double find(long[] headers, int[] cols, float[] vals, int row, int col) {
    for (long i = headers[row]; i < headers[row + 1]; i++) {
      if (cols[(int) i] == col) {
        return vals[(int) i];
      }
    }
    return 0;
  }

  static double mutualInformation(int[] bins, int binCount, int[] labels) {
    double[][] joint = new double[binCount][2];
    for (int r = 0; r < bins.length; r++) {
      joint[bins[r]][labels[r]]++;
    }
    return fromCounts(joint, bins.length);
  }

  static double fromCounts(double[][] joint, int n) {
    double[] px = new double[joint.length];
    double[] py = new double[2];
    for (int x = 0; x < joint.length; x++) {
      for (int y = 0; y < 2; y++) {
        px[x] += joint[x][y];
        py[y] += joint[x][y];
      }
    }
    double mi = 0;
    for (int x = 0; x < joint.length; x++) {
      for (int y = 0; y < 2; y++) {
        if (joint[x][y] > 0) {
          mi += joint[x][y] / n * Math.log(joint[x][y] * n / (px[x] * py[y]));
        }
      }
    }
    return mi;
  }
}
