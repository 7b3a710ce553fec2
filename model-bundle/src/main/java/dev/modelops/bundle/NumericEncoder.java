package dev.modelops.bundle;

/**
 * A fitted numeric transform: a missing value becomes the training median, then the value is
 * standardised with the training mean and standard deviation.
 */
public record NumericEncoder(String name, double median, double mean, double std) {
  /** The encoded value of a raw value (NaN means missing). */
  public double encode(double raw) {
    double v = Double.isNaN(raw) ? median : raw;
    return (v - mean) / (std > 0 ? std : 1.0);
  }
}
