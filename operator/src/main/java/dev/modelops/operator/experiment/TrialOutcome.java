package dev.modelops.operator.experiment;

/** A finished trial as the decision rules see it: its name, whether it succeeded, its objective. */
public record TrialOutcome(String name, int index, boolean succeeded, Double objective) {}
