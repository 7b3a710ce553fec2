package dev.modelops.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fitted TF-IDF transform: n-gram terms of the training vocabulary, weighted by sublinear term
 * frequency (1 + ln tf) times inverse document frequency, L2-normalised per document. Terms
 * outside the vocabulary are ignored (and counted as out-of-vocabulary by drift tracking).
 */
public final class TextEncoder {
  private final String name;
  private final int ngramMin;
  private final int ngramMax;
  private final List<String> terms;
  private final double[] idf;
  private final Map<String, Integer> index;

  @JsonCreator
  public TextEncoder(
      @JsonProperty("name") String name,
      @JsonProperty("ngramMin") int ngramMin,
      @JsonProperty("ngramMax") int ngramMax,
      @JsonProperty("terms") List<String> terms,
      @JsonProperty("idf") double[] idf) {
    if (terms.size() != idf.length) {
      throw new BundleException("text feature '" + name + "': " + terms.size() + " terms but " + idf.length + " idf weights");
    }
    this.name = name;
    this.ngramMin = ngramMin;
    this.ngramMax = ngramMax;
    this.terms = List.copyOf(terms);
    this.idf = idf.clone();
    this.index = new HashMap<>(terms.size() * 2);
    for (int i = 0; i < terms.size(); i++) {
      index.put(terms.get(i), i);
    }
  }

  @JsonProperty
  public String name() {
    return name;
  }

  @JsonProperty
  public int ngramMin() {
    return ngramMin;
  }

  @JsonProperty
  public int ngramMax() {
    return ngramMax;
  }

  @JsonProperty
  public List<String> terms() {
    return terms;
  }

  @JsonProperty
  public double[] idf() {
    return idf.clone();
  }

  @JsonIgnore
  public int width() {
    return terms.size();
  }

  /** The vocabulary index of a term, or -1 when it is out of vocabulary. */
  public int termIndex(String term) {
    Integer i = index.get(term);
    return i == null ? -1 : i;
  }

  /** The n-gram terms of a document, in order, in or out of vocabulary. */
  public List<String> termsOf(String text) {
    return Tokenizer.ngrams(Tokenizer.words(text), ngramMin, ngramMax);
  }

  /**
   * Appends the TF-IDF entries of {@code text} to {@code out}, with columns offset by {@code base}
   * (and mapped through the pipeline's selection).
   */
  void encode(String text, int base, int[] remap, EncodedRow out) {
    if (text == null || text.isEmpty()) {
      return;
    }
    // Vocabulary indices of the document's terms, sorted: equal indices are then adjacent, so
    // term frequencies need no map, and entries come out in column order.
    int[] hits = out.textScratch;
    int n = 0;
    for (String t : termsOf(text)) {
      int i = termIndex(t);
      if (i >= 0) {
        if (n == hits.length) {
          hits = java.util.Arrays.copyOf(hits, n * 2);
        }
        hits[n++] = i;
      }
    }
    out.textScratch = hits;
    if (n == 0) {
      return;
    }
    java.util.Arrays.sort(hits, 0, n);
    double norm = 0;
    for (int k = 0; k < n; ) {
      int j = k;
      while (j < n && hits[j] == hits[k]) {
        j++;
      }
      double w = (1.0 + Math.log(j - k)) * idf[hits[k]];
      norm += w * w;
      k = j;
    }
    norm = Math.sqrt(norm);
    for (int k = 0; k < n; ) {
      int j = k;
      while (j < n && hits[j] == hits[k]) {
        j++;
      }
      double w = (1.0 + Math.log(j - k)) * idf[hits[k]];
      out.put(remap, base + hits[k], norm > 0 ? w / norm : 0.0);
      k = j;
    }
  }
}
