package dev.modelops.bundle;

/** How a raw input column is encoded. */
public enum FeatureType {
  NUMERIC,
  CATEGORICAL,
  TEXT
}
