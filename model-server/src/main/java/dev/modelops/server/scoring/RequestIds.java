package dev.modelops.server.scoring;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prediction ids: a random per-process prefix and a counter, e.g. {@code 9f2c41d07a3e5b18-42}.
 * Unique across replicas and restarts for all practical purposes, and far cheaper than a random
 * UUID per prediction, which matters at tens of thousands of predictions a second. The rows of
 * one call take consecutive numbers, so the first id names them all: a shadow candidate is given
 * the Production server's first id in {@link #HEADER} and answers under the same ids.
 */
public final class RequestIds {
  /** The header that carries the first id of a call's rows (the others follow it: {@code -43}, {@code -44}, ...). */
  public static final String HEADER = "Modelops-Prediction-Id";
  private static final Pattern ID = Pattern.compile("([0-9a-f]{16}-)([0-9]{1,18})");

  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  RequestIds() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    prefix = HexFormat.of().formatHex(b) + "-";
  }

  /** Reserves the ids of {@code rows} rows. */
  Block next(int rows) {
    return new Block(prefix, counter.getAndAdd(rows) + 1);
  }

  /** Consecutive ids: the prefix, then the first number and on. */
  public record Block(String prefix, long first) {
    String id(int row) {
      return prefix + (first + row);
    }

    /** The first id, as {@link #HEADER} carries it. */
    @Override
    public String toString() {
      return id(0);
    }
  }

  /** The ids that start at {@code first} (a {@link #HEADER} value), or empty when it is not an id as model servers make them. */
  public static Optional<Block> parse(String first) {
    Matcher m = ID.matcher(first.strip());
    return m.matches() ? Optional.of(new Block(m.group(1), Long.parseLong(m.group(2)))) : Optional.empty();
  }
}
