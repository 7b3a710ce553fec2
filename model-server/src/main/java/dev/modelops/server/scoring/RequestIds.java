package dev.modelops.server.scoring;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prediction ids: a random per-process prefix and a counter, e.g. {@code 9f2c41d07a3e5b18-42}.
 * Unique across replicas and restarts for all practical purposes, and far cheaper than a random
 * UUID per prediction, which matters at tens of thousands of predictions a second.
 */
final class RequestIds {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  RequestIds() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    prefix = HexFormat.of().formatHex(b) + "-";
  }

  String next() {
    return prefix + counter.incrementAndGet();
  }
}
