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
 * the Production server's first id in {@link #HEADER} and answers under the same ids. A Production
 * server that coalesces single-record requests into one mirrored call names each row's id instead,
 * comma-separated, a number alone standing for the previous id's prefix:
 * {@code 9f2c41d07a3e5b18-42,57,58}.
 */
public final class RequestIds {
  /** The header that carries the first id of a call's rows (the others follow it: {@code -43}, {@code -44}, ...), or every row's id. */
  public static final String HEADER = "Modelops-Prediction-Id";
  private static final Pattern ID = Pattern.compile("([0-9a-f]{16}-)([0-9]{1,18})");
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");

  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  RequestIds() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    prefix = HexFormat.of().formatHex(b) + "-";
  }

  /** Reserves the ids of {@code rows} rows. */
  Block next(int rows) {
    return new Block(prefix, counter.getAndAdd(rows) + 1, null);
  }

  /**
   * Ids of a call's rows: consecutive from the prefix and first number, or, when {@code listed}
   * is not null, one per row (each its full id).
   */
  public record Block(String prefix, long first, String[] listed) {
    String id(int row) {
      return listed != null ? listed[row] : prefix + (first + row);
    }

    /** How many rows these ids name, or -1 for any number of rows (consecutive ids). */
    public int size() {
      return listed == null ? -1 : listed.length;
    }

    /** The ids as {@link #HEADER} carries them. */
    @Override
    public String toString() {
      return listed == null ? id(0) : header(listed);
    }
  }

  /** {@link #HEADER}'s value naming each of {@code ids} (ids as model servers make them), a repeated prefix left out. */
  public static String header(String[] ids) {
    StringBuilder out = new StringBuilder(ids.length * 8 + 24);
    String prefix = null;
    for (String id : ids) {
      int cut = id.lastIndexOf('-') + 1;
      if (out.length() > 0) {
        out.append(',');
      }
      if (prefix != null && cut == prefix.length() && id.startsWith(prefix)) {
        out.append(id, cut, id.length());
      } else {
        out.append(id);
        prefix = id.substring(0, cut);
      }
    }
    return out.toString();
  }

  /**
   * The ids a {@link #HEADER} value names: consecutive from one id, or a comma-separated list, one
   * per row; empty when it is not ids as model servers make them.
   */
  public static Optional<Block> parse(String value) {
    String v = value.strip();
    if (v.indexOf(',') < 0) {
      Matcher m = ID.matcher(v);
      return m.matches() ? Optional.of(new Block(m.group(1), Long.parseLong(m.group(2)), null)) : Optional.empty();
    }
    String[] parts = v.split(",", -1);
    String[] ids = new String[parts.length];
    String prefix = null;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].strip();
      Matcher m = ID.matcher(part);
      if (m.matches()) {
        prefix = m.group(1);
        ids[i] = part;
      } else if (prefix != null && NUMBER.matcher(part).matches()) {
        ids[i] = prefix + part;
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(new Block(null, 0, ids));
  }
}
