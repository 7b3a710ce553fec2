package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The rows of an NDJSON body: one JSON object per line (blank lines skipped), read in one
 * streaming pass straight to each feature's value; keys that are not features are ignored, every
 * feature must be there ({@code null} for a missing value). A bad row is an
 * {@link ApiException} naming the line its object starts on ({@code line 3.contract}).
 */
final class NdjsonRows implements Iterator<Object[]> {
  private final List<Feature> features;
  private final Map<String, Integer> featureIndex = new HashMap<>();
  private final JsonParser parser;
  private JsonToken next;
  private long line = 1;

  NdjsonRows(InputStream body, List<Feature> features) throws IOException {
    this.features = features;
    for (int f = 0; f < features.size(); f++) {
      featureIndex.put(features.get(f).name(), f);
    }
    this.parser = Json.STREAMING.createParser(body);
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = parser.nextToken();
        line = parser.currentTokenLocation().getLineNr();
      } catch (IOException e) {
        throw Json.malformed(e, parser, "line " + parser.currentLocation().getLineNr());
      }
    }
    return next != null;
  }

  @Override
  public Object[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    JsonToken token = next;
    next = null;
    String where = "line " + line;
    if (token != JsonToken.START_OBJECT) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be a JSON object of feature name to value, got " + Json.describe(token));
    }
    Object[] values = new Object[features.size()];
    boolean[] seen = new boolean[values.length];
    try {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        Integer f = featureIndex.get(parser.currentName());
        JsonToken t = parser.nextToken();
        if (f == null) {
          parser.skipChildren();
          continue;
        }
        values[f] = value(features.get(f), t, where);
        seen[f] = true;
      }
    } catch (IOException e) {
      throw Json.malformed(e, parser, where);
    }
    for (int f = 0; f < seen.length; f++) {
      if (!seen[f]) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + features.get(f).name(),
            where + ": " + features.get(f).name() + ": missing feature (send null for a missing value)");
      }
    }
    return values;
  }

  /** The value of the current token for {@code feature}. */
  private Object value(Feature feature, JsonToken t, String where) throws IOException {
    Object raw = Json.scalar(parser, t);
    if (raw == Json.NOT_SCALAR) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + feature.name(),
          where + ": " + feature.name() + ": must be a number, a string or null, got " + Json.describe(t));
    }
    try {
      return Scorer.convert(feature, raw);
    } catch (RecordException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + e.field(), where + ": " + e.getMessage());
    }
  }
}
