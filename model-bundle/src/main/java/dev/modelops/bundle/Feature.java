package dev.modelops.bundle;

/** One raw input column the model expects: its name and type. */
public record Feature(String name, FeatureType type) {}
