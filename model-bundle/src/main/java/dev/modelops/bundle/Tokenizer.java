package dev.modelops.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into lower-case word tokens and joins them into n-grams. One implementation, used
 * when the vocabulary is fitted and when a live record is scored or profiled.
 */
public final class Tokenizer {
  private Tokenizer() {}

  /** Lower-case runs of letters, digits and inner apostrophes ("don't" stays one token). */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    String s = text.toLowerCase(Locale.ROOT);
    int n = s.length();
    int i = 0;
    while (i < n) {
      while (i < n && !Character.isLetterOrDigit(s.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n
          && (Character.isLetterOrDigit(s.charAt(i))
              || (s.charAt(i) == '\'' && i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1))))) {
        i++;
      }
      if (i > start) {
        out.add(s.substring(start, i));
      }
    }
    return out;
  }

  /** All n-grams with n in [min, max], words joined by one space. */
  public static List<String> ngrams(List<String> words, int min, int max) {
    List<String> out = new ArrayList<>();
    for (int n = min; n <= max; n++) {
      for (int i = 0; i + n <= words.size(); i++) {
        out.add(n == 1 ? words.get(i) : String.join(" ", words.subList(i, i + n)));
      }
    }
    return out;
  }
}
