package dev.modelops.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fitted one-hot transform: one column per category kept at training time, plus a last
 * "other" column for rare, unseen and missing values.
 */
public final class CategoricalEncoder {
  private final String name;
  private final List<String> categories;
  private final Map<String, Integer> index = new HashMap<>();

  @JsonCreator
  public CategoricalEncoder(
      @JsonProperty("name") String name, @JsonProperty("categories") List<String> categories) {
    this.name = name;
    this.categories = List.copyOf(categories);
    for (int i = 0; i < this.categories.size(); i++) {
      index.put(this.categories.get(i), i);
    }
  }

  @JsonProperty
  public String name() {
    return name;
  }

  @JsonProperty
  public List<String> categories() {
    return categories;
  }

  /** Columns this feature occupies: its categories and "other". */
  @JsonIgnore
  public int width() {
    return categories.size() + 1;
  }

  /** The column of a raw value within this feature; "other" (the last) for unknown or missing. */
  public int columnOf(String raw) {
    if (raw == null) {
      return categories.size();
    }
    Integer i = index.get(raw);
    return i == null ? categories.size() : i;
  }
}
