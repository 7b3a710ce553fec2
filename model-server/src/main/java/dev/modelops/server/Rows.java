package dev.modelops.server;

import java.util.List;
import java.util.Map;

/**
 * The one representation of input rows between the codecs and the services: each row's values in
 * the model's feature order (as {@code dev.modelops.bundle.Scorer} converts them), and the records
 * as the client sent them, which the inference log keeps, or null when the log is to write the
 * values by feature name.
 *
 * @param values one array per row, in feature order; null is a missing value
 * @param records the rows as sent (feature name to value), one per row, or null
 */
public record Rows(Object[][] values, List<? extends Map<String, ?>> records) {
  /** Rows known only by their values. */
  public static Rows of(Object[][] values) {
    return new Rows(values, null);
  }

  public int size() {
    return values.length;
  }

  /** Row {@code i} as the client sent it, or null. */
  public Map<String, ?> record(int i) {
    return records == null ? null : records.get(i);
  }
}
