package dev.modelops.operator.experiment;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations of the schemas (e.g. 90s, 15m, 1h30m, 7d) into seconds or durations. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)");

  private Durations() {}

  public static long seconds(String text) {
    return (long) Math.ceil(duration(text).toNanos() / 1e9);
  }

  /** The duration, to the millisecond. */
  public static java.time.Duration duration(String text) {
    Matcher m = PART.matcher(text);
    double total = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      double v = Double.parseDouble(m.group(1));
      total += switch (m.group(2)) {
        case "ms" -> v / 1000;
        case "s" -> v;
        case "m" -> v * 60;
        case "h" -> v * 3600;
        default -> v * 86400;
      };
      end = m.end();
    }
    if (end != text.length() || end == 0) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 90s, 15m, 1h30m or 7d");
    }
    return java.time.Duration.ofMillis((long) Math.ceil(total * 1000 - 1e-6));
  }
}
