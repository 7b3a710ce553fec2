package dev.modelops.server.feedback;

import java.util.LinkedHashMap;
import java.util.Map;

/** What is remembered of the last {@code capacity} predictions, by prediction id, for feedback to join; the oldest is forgotten first. Not thread-safe. */
public final class RecentById<V> extends LinkedHashMap<String, V> {
  private final int capacity;

  public RecentById(int capacity) {
    super(1024, 0.75f, false);
    this.capacity = capacity;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
    return size() > capacity;
  }
}
