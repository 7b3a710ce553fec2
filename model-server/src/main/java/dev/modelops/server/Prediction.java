package dev.modelops.server;

/** One answer: the prediction's id (for feedback), the predicted class (0 or 1) and the positive-class probability. */
public record Prediction(String id, int predictedClass, double probability) {}
