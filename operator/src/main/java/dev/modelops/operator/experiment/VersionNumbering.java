package dev.modelops.operator.experiment;

import java.util.Collection;

/** The next version number of a model: one more than the highest registered, from 1. */
public final class VersionNumbering {
  private VersionNumbering() {}

  public static int next(Collection<Integer> existing) {
    return existing.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
  }
}
